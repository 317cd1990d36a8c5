package io.conversationconnector.api;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.ingest.WebhookRejected;
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

    static JsonNode jsonBody(Exchange exchange, ObjectMapper json) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        JsonNode node;
        try {
            node = body == null || body.length == 0 ? null : json.readTree(body);
        } catch (IOException e) {
            throw WebhookRejected.badRequest("malformed_json", "the body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw WebhookRejected.badRequest("malformed_json", "the body must be a JSON object");
        }
        return node;
    }
}
