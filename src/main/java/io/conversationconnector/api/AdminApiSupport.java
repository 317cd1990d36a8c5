package io.conversationconnector.api;

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.ingest.HttpResponses;
import io.conversationconnector.ingest.WebhookRejected;
import io.conversationconnector.storage.Database;
import org.apache.camel.Exchange;

/** Input validation shared by the admin API classes. */
final class AdminApiSupport {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private AdminApiSupport() {
    }

    static int limit(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error
        }
        throw WebhookRejected.badRequest("invalid_limit", "limit must be a whole number from 1 to " + MAX_LIMIT);
    }

    /** A query or path parameter; blank counts as absent. */
    static String header(Exchange exchange, String name) {
        String v = exchange.getMessage().getHeader(name, String.class);
        if (v != null && v.indexOf('\u0000') >= 0) {
            throw nul(name);
        }
        return v == null || v.isBlank() ? null : v;
    }

    /** PostgreSQL text cannot hold a NUL: it is bad input (400), not a database failure (500). */
    private static WebhookRejected nul(String where) {
        return WebhookRejected.badRequest("invalid_text", where + " may not contain a NUL character");
    }

    private static void requireNoNul(JsonNode node, String where) {
        if (node.isTextual() && node.textValue().indexOf('\u0000') >= 0) {
            throw nul(where);
        }
        node.fields().forEachRemaining(f -> requireNoNul(f.getValue(), f.getKey()));
        if (node.isArray()) {
            node.forEach(element -> requireNoNul(element, where));
        }
    }

    /** An ISO-8601 time parameter (null when absent); 400 invalid_&lt;name&gt; when unreadable. */
    static Instant time(String text, String name) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw WebhookRejected.badRequest("invalid_" + name, name + " must be an ISO-8601 time such as 2025-11-20T00:00:00Z");
        }
    }

    /** A timestamp column as ISO-8601 text, or null. */
    static String instant(ResultSet rs, String column) throws SQLException {
        Instant i = Database.instant(rs, column);
        return i == null ? null : i.toString();
    }

    static void respond(Exchange exchange, int status, Object body, ObjectMapper json) throws IOException {
        HttpResponses.json(exchange, status, json.writeValueAsString(body));
    }

    static JsonNode jsonBody(Exchange exchange, ObjectMapper json) {
        JsonNode node = optionalJsonBody(exchange, json);
        if (node == null) {
            throw WebhookRejected.badRequest("malformed_json", "the body must be a JSON object");
        }
        return node;
    }

    /** A JSON object body, or null when there is no body; anything else is a 400. */
    static JsonNode optionalJsonBody(Exchange exchange, ObjectMapper json) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        JsonNode node;
        try {
            node = body == null || body.length == 0 ? null : json.readTree(body);
        } catch (IOException e) {
            throw WebhookRejected.badRequest("malformed_json", "the body is not valid JSON");
        }
        if (node != null && !node.isObject()) {
            throw WebhookRejected.badRequest("malformed_json", "the body must be a JSON object");
        }
        if (node != null) {
            requireNoNul(node, "the body");
        }
        return node;
    }
}
