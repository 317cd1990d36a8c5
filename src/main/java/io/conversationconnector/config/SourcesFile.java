package io.conversationconnector.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.conversationconnector.state.KeywordDetector;

/** Reads and validates sources.yaml (design.md, "sources.yaml — who may call us"). */
public final class SourcesFile {
    public static final String FILE_NAME = "sources.yaml";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Set<String> COMMON_KEYS = Set.of("id", "provider", "inactivityTimeout", "channel",
            "optOutKeywords", "optInKeywords");
    private static final Map<Provider, Set<String>> PROVIDER_KEYS = Map.of(
            Provider.TREBLE, Set.of("auth", "timeZone"),
            Provider.BIRD, Set.of("signingKey", "publicUrl", "timestampTolerance"),
            Provider.SINCH, Set.of("secret", "timestampTolerance"),
            Provider.RASAYEL, Set.of("token"));

    private final String file;
    private final EnvSubstitution env;

    private SourcesFile(String file, EnvSubstitution env) {
        this.file = file;
        this.env = env;
    }

    public static Map<String, SourceConfig> load(Path configDir, EnvSubstitution env) {
        Path path = configDir.resolve(FILE_NAME);
        String display = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(display, "sources", "file not found (CONNECTOR_CONFIG_DIR is " + configDir + ")");
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
        } catch (IOException e) {
            throw new ConfigException(display, "(file)", "not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return new SourcesFile(display, env).parse(root);
    }

    Map<String, SourceConfig> parse(JsonNode root) {
        if (root == null || !root.isObject() || !root.has("sources")) {
            throw new ConfigException(file, "sources", "missing: the file must have a top-level 'sources:' list");
        }
        JsonNode list = root.get("sources");
        if (!list.isArray()) {
            throw new ConfigException(file, "sources", "must be a list");
        }
        Map<String, SourceConfig> byId = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            SourceConfig source = parseSource(list.get(i), "sources[" + i + "]");
            if (byId.putIfAbsent(source.id(), source) != null) {
                throw new ConfigException(file, "sources[" + i + "].id", "duplicate id '" + source.id() + "'");
            }
        }
        return byId;
    }

    private SourceConfig parseSource(JsonNode node, String at) {
        if (node == null || !node.isObject()) {
            throw new ConfigException(file, at, "must be a mapping with at least id and provider");
        }
        String id = required(node, at, "id");
        if (!ID.matcher(id).matches()) {
            throw new ConfigException(file, at + ".id", "'" + id + "' must be 1-64 letters, digits, '-' or '_' (it is part of the URL)");
        }
        String providerId = required(node, at, "provider");
        Provider provider = Provider.fromId(providerId);
        if (provider == null) {
            throw new ConfigException(file, at + ".provider", "unknown provider '" + providerId + "' (known: " + Provider.allIds() + ")");
        }
        Set<String> allowed = new HashSet<>(COMMON_KEYS);
        allowed.addAll(PROVIDER_KEYS.get(provider));
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new ConfigException(file, at + "." + key, "not a setting of a " + provider.id()
                        + " source (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
        Duration inactivity = optionalPositiveDuration(node, at, "inactivityTimeout", null);
        String channel = optional(node, at, "channel");
        List<String> optOut = keywords(node, at, "optOutKeywords", KeywordDetector.DEFAULT_OPT_OUT);
        List<String> optIn = keywords(node, at, "optInKeywords", KeywordDetector.DEFAULT_OPT_IN);
        return switch (provider) {
            case TREBLE -> new SourceConfig(id, provider, trebleAuth(node, at), null, null, null, null, null,
                    zone(node, at), channel == null ? "whatsapp" : channel, inactivity, optOut, optIn);
            case BIRD -> new SourceConfig(id, provider, List.of(), secretValue(node, at, "signingKey"),
                    publicUrl(node, at), null, optionalPositiveDuration(node, at, "timestampTolerance", null), null,
                    java.time.ZoneOffset.UTC, channel, inactivity, optOut, optIn);
            case SINCH -> new SourceConfig(id, provider, List.of(), null, null, secretValue(node, at, "secret"),
                    optionalPositiveDuration(node, at, "timestampTolerance", Duration.ofMinutes(5)), null,
                    java.time.ZoneOffset.UTC, channel, inactivity, optOut, optIn);
            case RASAYEL -> new SourceConfig(id, provider, List.of(), null, null, null, null,
                    secretValue(node, at, "token"), java.time.ZoneOffset.UTC, channel, inactivity, optOut, optIn);
        };
    }

    private List<SourceConfig.HeaderCredential> trebleAuth(JsonNode node, String at) {
        JsonNode auth = node.get("auth");
        String key = at + ".auth";
        if (auth == null || auth.isNull()) {
            throw new ConfigException(file, key, "missing: Treble does not sign requests, so give the header it must send,"
                    + " e.g. auth: { header: Authorization, value: \"Bearer ${TREBLE_WEBHOOK_TOKEN}\" }");
        }
        List<JsonNode> entries = new ArrayList<>();
        if (auth.isArray()) {
            auth.forEach(entries::add);
        } else {
            entries.add(auth);
        }
        if (entries.isEmpty()) {
            throw new ConfigException(file, key, "must name at least one header");
        }
        List<SourceConfig.HeaderCredential> result = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String entryKey = auth.isArray() ? key + "[" + i + "]" : key;
            JsonNode e = entries.get(i);
            if (!e.isObject()) {
                throw new ConfigException(file, entryKey, "must be a mapping { header: ..., value: ... }");
            }
            String header = required(e, entryKey, "header");
            String value = secretValue(e, entryKey, "value");
            result.add(new SourceConfig.HeaderCredential(header, value));
        }
        return List.copyOf(result);
    }

    private List<String> keywords(JsonNode node, String at, String name, List<String> fallback) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isArray()) {
            throw new ConfigException(file, at + "." + name, "must be a list, e.g. [STOP, BAJA, SAIR]");
        }
        List<String> words = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            String word = v.get(i).isValueNode() ? env.apply(v.get(i).asText(), file, at + "." + name + "[" + i + "]") : null;
            if (word == null || word.isBlank()) {
                throw new ConfigException(file, at + "." + name + "[" + i + "]", "must be a non-empty word or phrase");
            }
            words.add(word);
        }
        return List.copyOf(words);
    }

    private URI publicUrl(JsonNode node, String at) {
        String url = optional(node, at, "publicUrl");
        if (url == null) {
            return null;
        }
        try {
            URI uri = new URI(url);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (Exception e) {
            throw new ConfigException(file, at + ".publicUrl", "'" + url + "' is not an absolute URL such as https://hooks.example.com/webhooks/bird-eu");
        }
    }

    private ZoneId zone(JsonNode node, String at) {
        String zone = optional(node, at, "timeZone");
        if (zone == null) {
            return java.time.ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(zone);
        } catch (RuntimeException e) {
            throw new ConfigException(file, at + ".timeZone", "'" + zone + "' is not a time zone (examples: UTC, America/Bogota)");
        }
    }

    private String required(JsonNode node, String at, String name) {
        String v = optional(node, at, name);
        if (v == null || v.isBlank()) {
            throw new ConfigException(file, at + "." + name, "missing");
        }
        return v;
    }

    /** A secret: required, non-blank after substitution; the value never appears in an error. */
    private String secretValue(JsonNode node, String at, String name) {
        String v = optional(node, at, name);
        if (v == null || v.isBlank()) {
            throw new ConfigException(file, at + "." + name, "missing secret (a " + name + " is required for this provider)");
        }
        return v;
    }

    private String optional(JsonNode node, String at, String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isValueNode()) {
            throw new ConfigException(file, at + "." + name, "must be a single value");
        }
        return env.apply(v.asText(), file, at + "." + name);
    }

    /** An optional duration that must be longer than 0 (0 would close every conversation, or refuse every request). */
    private Duration optionalPositiveDuration(JsonNode node, String at, String name, Duration fallback) {
        String v = optional(node, at, name);
        return v == null ? fallback : Durations.parsePositive(v, file, at + "." + name);
    }
}
