package io.conversationconnector.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in config: 500ms, 30s, 5m, 2h, 30d (or ISO-8601 such as PT5M). */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /** A duration of 0 or more; a negative one (ISO-8601 allows "-PT5M") is an error naming file and key. */
    public static Duration parse(String text, String file, String key) {
        Duration d = parseAny(text, file, key);
        if (d.isNegative()) {
            throw new ConfigException(file, key, "'" + text.strip() + "' is negative; a duration here is 0 or more");
        }
        return d;
    }

    /** A duration longer than 0, for settings where 0 cannot work (a timeout, a tolerance, an interval). */
    public static Duration parsePositive(String text, String file, String key) {
        Duration d = parse(text, file, key);
        if (d.isZero()) {
            throw new ConfigException(file, key, "must be longer than 0, not " + text.strip());
        }
        return d;
    }

    private static Duration parseAny(String text, String file, String key) {
        String t = text == null ? "" : text.strip();
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(t);
        } catch (RuntimeException e) {
            throw new ConfigException(file, key, "'" + t + "' is not a duration (examples: 30s, 5m, 2h, 30d)");
        }
    }
}
