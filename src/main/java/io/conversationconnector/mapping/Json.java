package io.conversationconnector.mapping;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** Null-safe reading of provider JSON, which is loosely typed (ids as numbers or strings, missing keys). */
public final class Json {
    private Json() {
    }

    /** The node at a path of field names, or null. */
    public static JsonNode at(JsonNode node, String... path) {
        JsonNode current = node;
        for (String name : path) {
            if (current == null || !current.isObject()) {
                return null;
            }
            current = current.get(name);
        }
        return current == null || current.isNull() || current.isMissingNode() ? null : current;
    }

    /** A scalar at a path as text (numbers and booleans too); null when absent, null, blank or not scalar. */
    public static String text(JsonNode node, String... path) {
        JsonNode v = at(node, path);
        if (v == null || !v.isValueNode()) {
            return null;
        }
        String s = v.asText();
        return s.isBlank() ? null : s;
    }

    public static List<JsonNode> array(JsonNode node, String... path) {
        JsonNode v = at(node, path);
        List<JsonNode> out = new ArrayList<>();
        if (v != null && v.isArray()) {
            v.forEach(out::add);
        }
        return out;
    }

    /** The first non-null text among several alternative paths (each a dot-separated field path). */
    public static String firstText(JsonNode node, String... dottedPaths) {
        for (String p : dottedPaths) {
            String v = text(node, p.split("\\."));
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    public static String lower(String s) {
        return s == null ? null : s.toLowerCase(java.util.Locale.ROOT);
    }
}
