package io.conversationconnector.config;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} with the environment variable NAME and {@code ${NAME:-default}} with its value or the
 * default. A missing variable without a default is an error naming the file, key and variable.
 */
public final class EnvSubstitution {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    private final Function<String, String> lookup;

    public EnvSubstitution(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    public static EnvSubstitution fromEnvironment() {
        Map<String, String> env = System.getenv();
        return new EnvSubstitution(env::get);
    }

    public String apply(String value, String file, String key) {
        if (value == null || !value.contains("${")) {
            return value;
        }
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String resolved = lookup.apply(name);
            if (resolved == null) {
                if (m.group(2) == null) {
                    throw new ConfigException(file, key, "environment variable " + name
                            + " is not set (set it, or write ${" + name + ":-default} to give a default)");
                }
                resolved = m.group(3);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        return out.toString();
    }
}
