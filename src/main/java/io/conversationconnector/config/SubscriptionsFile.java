package io.conversationconnector.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.conversationconnector.canonical.EventTypes;
import io.conversationconnector.delivery.MappingTemplate;

/**
 * Reads and validates subscriptions.yaml (design.md, "subscriptions.yaml — who hears from us"). The file is
 * optional: without it nobody is subscribed. Settings that are not built yet are refused, never ignored.
 */
public final class SubscriptionsFile {
    public static final String FILE_NAME = "subscriptions.yaml";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Set<String> KEYS = Set.of("id", "url", "events", "filters", "secret", "headers", "retrySchedule",
            "timeout", "disableAfter", "mapping", "ordered", "maxRatePerSecond");
    private static final Set<String> FILTER_KEYS = Set.of("source", "provider", "channel");

    private final String file;
    private final Path configDir;
    private final EnvSubstitution env;
    private final List<Duration> defaultSchedule;
    private final Duration defaultDisableAfter;

    private SubscriptionsFile(String file, Path configDir, EnvSubstitution env, List<Duration> defaultSchedule, Duration defaultDisableAfter) {
        this.file = file;
        this.configDir = configDir;
        this.env = env;
        this.defaultSchedule = defaultSchedule;
        this.defaultDisableAfter = defaultDisableAfter;
    }

    /** RETRY_SCHEDULE: comma-separated durations, e.g. "0s,5s,5m,30m,2h,5h,10h,10h". */
    public static List<Duration> parseSchedule(String text, String where, String key) {
        List<Duration> schedule = new ArrayList<>();
        for (String part : text.split(",")) {
            schedule.add(Durations.parse(part, where, key));
        }
        return List.copyOf(schedule);
    }

    public static Map<String, Subscription> load(Path configDir, EnvSubstitution env, List<Duration> defaultSchedule) {
        return load(configDir, env, defaultSchedule, Duration.ofDays(5));
    }

    public static Map<String, Subscription> load(Path configDir, EnvSubstitution env, List<Duration> defaultSchedule,
                                                 Duration defaultDisableAfter) {
        Path path = configDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(path)) {
            return Map.of();
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
        } catch (IOException e) {
            throw new ConfigException(path.toString(), "(file)", "not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return new SubscriptionsFile(path.toString(), configDir, env, defaultSchedule, defaultDisableAfter).parse(root);
    }

    Map<String, Subscription> parse(JsonNode root) {
        if (root == null || root.isNull() || (root.isObject() && !root.has("subscriptions"))) {
            return Map.of();
        }
        JsonNode list = root.get("subscriptions");
        if (list == null || list.isNull()) {
            return Map.of();
        }
        if (!list.isArray()) {
            throw new ConfigException(file, "subscriptions", "must be a list");
        }
        Map<String, Subscription> byId = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Subscription s = parseOne(list.get(i), "subscriptions[" + i + "]");
            if (byId.putIfAbsent(s.id(), s) != null) {
                throw new ConfigException(file, "subscriptions[" + i + "].id", "duplicate id '" + s.id() + "'");
            }
        }
        return byId;
    }

    private Subscription parseOne(JsonNode node, String at) {
        if (node == null || !node.isObject()) {
            throw new ConfigException(file, at, "must be a mapping with at least id, url, events and secret");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new ConfigException(file, at + "." + key, "not a subscription setting (allowed: " + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
            }
        }
        String id = text(node, at, "id", true);
        if (!ID.matcher(id).matches()) {
            throw new ConfigException(file, at + ".id", "'" + id + "' must be 1-64 letters, digits, '-' or '_'");
        }
        URI url = url(text(node, at, "url", true), at + ".url");
        Set<String> events = events(node.get("events"), at + ".events");
        Map<String, String> filters = stringMap(node.get("filters"), at + ".filters");
        for (String key : filters.keySet()) {
            if (!FILTER_KEYS.contains(key)) {
                throw new ConfigException(file, at + ".filters." + key, "not a filter (allowed: channel, provider, source)");
            }
        }
        String secret = text(node, at, "secret", true);
        if (!validSecret(secret)) {
            throw new ConfigException(file, at + ".secret", "must be a Standard Webhooks secret: whsec_ followed by base64 of 24 to 64 random bytes");
        }
        List<Duration> schedule = defaultSchedule;
        JsonNode retry = node.get("retrySchedule");
        if (retry != null && !retry.isNull()) {
            if (!retry.isArray() || retry.isEmpty()) {
                throw new ConfigException(file, at + ".retrySchedule", "must be a non-empty list of durations, e.g. [0s, 5s, 5m]");
            }
            List<Duration> custom = new ArrayList<>();
            for (int i = 0; i < retry.size(); i++) {
                custom.add(Durations.parse(env.apply(retry.get(i).asText(), file, at + ".retrySchedule[" + i + "]"), file, at + ".retrySchedule[" + i + "]"));
            }
            schedule = List.copyOf(custom);
        }
        String timeoutText = text(node, at, "timeout", false);
        Duration timeout = timeoutText == null ? Duration.ofSeconds(10) : Durations.parse(timeoutText, file, at + ".timeout");
        if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(2)) > 0) {
            throw new ConfigException(file, at + ".timeout", "must be between 1ms and 2m");
        }
        String disableText = text(node, at, "disableAfter", false);
        Duration disableAfter = disableText == null ? defaultDisableAfter : Durations.parse(disableText, file, at + ".disableAfter");
        return new Subscription(id, url, events, filters, secret, stringMap(node.get("headers"), at + ".headers"), schedule,
                timeout, disableAfter, mapping(text(node, at, "mapping", false), at + ".mapping"), ordered(node, at),
                maxRate(text(node, at, "maxRatePerSecond", false), at + ".maxRatePerSecond"));
    }

    /** A template path relative to the config folder; it must exist and compile. */
    private MappingTemplate mapping(String relative, String key) {
        if (relative == null) {
            return null;
        }
        Path template = configDir.resolve(relative).normalize();
        if (!template.startsWith(configDir.normalize()) || !Files.isRegularFile(template)) {
            throw new ConfigException(file, key, "'" + relative + "' is not a file under " + configDir);
        }
        try {
            return new MappingTemplate(relative, Files.readString(template));
        } catch (IOException e) {
            throw new ConfigException(file, key, "cannot read '" + relative + "': " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, key, "'" + relative + "' is not a valid JSONata template: " + e.getMessage());
        }
    }

    private boolean ordered(JsonNode node, String at) {
        String value = text(node, at, "ordered", false);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new ConfigException(file, at + ".ordered", "must be true or false, not '" + value + "'");
    }

    /** Deliveries per second, over all connector nodes; null = no limit. Fractions are allowed (0.5 = one per 2 s). */
    private Double maxRate(String value, String key) {
        if (value == null) {
            return null;
        }
        try {
            double rate = Double.parseDouble(value);
            if (rate > 0 && rate <= 100_000) {
                return rate;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(file, key, "must be a number of deliveries per second above 0 and at most 100000, not '" + value + "'");
    }

    static boolean validSecret(String secret) {
        if (!secret.startsWith("whsec_")) {
            return false;
        }
        try {
            int n = Base64.getDecoder().decode(secret.substring(6)).length;
            return n >= 24 && n <= 64;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Set<String> events(JsonNode v, String key) {
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new ConfigException(file, key, "must be a non-empty list of event types, or [\"*\"]");
        }
        Set<String> events = new LinkedHashSet<>();
        for (JsonNode e : v) {
            String type = e.asText();
            if (!type.equals("*") && !EventTypes.ALL.contains(type)) {
                throw new ConfigException(file, key, "unknown event type '" + type + "'");
            }
            events.add(type);
        }
        return Set.copyOf(events);
    }

    private URI url(String text, String key) {
        try {
            URI uri = new URI(text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (Exception e) {
            throw new ConfigException(file, key, "'" + text + "' is not an http(s) URL");
        }
    }

    private Map<String, String> stringMap(JsonNode v, String key) {
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw new ConfigException(file, key, "must be a mapping of names to values");
        }
        Map<String, String> out = new LinkedHashMap<>();
        v.fields().forEachRemaining(f -> out.put(f.getKey(), env.apply(f.getValue().asText(), file, key + "." + f.getKey())));
        return Map.copyOf(out);
    }

    private String text(JsonNode node, String at, String name, boolean required) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            if (required) {
                throw new ConfigException(file, at + "." + name, "missing");
            }
            return null;
        }
        String value = env.apply(v.asText(), file, at + "." + name);
        if (required && value.isBlank()) {
            throw new ConfigException(file, at + "." + name, "missing (empty after substitution)");
        }
        return value;
    }
}
