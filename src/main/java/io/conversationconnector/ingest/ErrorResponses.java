package io.conversationconnector.ingest;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a failed exchange into the contract's JSON error: {"error": "...", "detail": "..."}. Used by the shared
 * route configuration. Predictable failures carry their own status; anything else is a bug (500), logged with its
 * stack trace but never with the request body or headers.
 */
public final class ErrorResponses {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);
    private final ObjectMapper json;
    private final RequestOutcomes outcomes;

    public ErrorResponses(ObjectMapper json, RequestOutcomes outcomes) {
        this.json = json;
        this.outcomes = outcomes;
    }

    public void render(Exchange exchange) throws JsonProcessingException {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        WebhookRejected rejected = find(failure);
        int status;
        String error;
        String detail;
        if (rejected != null) {
            status = rejected.status();
            error = rejected.error();
            detail = rejected.detail();
            if (!isWebhook(exchange)) {
                LOG.info("request rejected: {} {} status={} error={} detail={}", method(exchange), safePath(exchange), status, error, detail);
            }
        } else {
            status = 500;
            error = "internal_error";
            detail = "unexpected error; nothing was stored, the caller may retry";
            LOG.error("request failed unexpectedly: {} {}", method(exchange), safePath(exchange), failure);
        }
        if (isWebhook(exchange)) {
            outcomes.rejected(exchange.getMessage().getHeader("source", String.class), safePath(exchange), status, error, detail,
                    WebhookIntake.startedNanos(exchange));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("detail", detail);
        HttpResponses.json(exchange, status, json.writeValueAsString(body));
        if (status == 503) {
            exchange.getMessage().setHeader("Retry-After", "5");
        }
    }

    private static boolean isWebhook(Exchange exchange) {
        String path = exchange.getMessage().getHeader(Exchange.HTTP_PATH, String.class);
        return path != null && path.startsWith("/webhooks/");
    }

    private static Object method(Exchange exchange) {
        return exchange.getMessage().getHeader(Exchange.HTTP_METHOD);
    }

    /**
     * The path as it may be logged: a webhook URL's last segment can be a credential (Rasayel's token), so only
     * the source is shown, plus the kind for Treble, whose kinds are public names.
     */
    static String safePath(Exchange exchange) {
        String path = exchange.getMessage().getHeader(Exchange.HTTP_PATH, String.class);
        if (path == null || !path.startsWith("/webhooks/")) {
            return path;
        }
        String source = exchange.getMessage().getHeader("source", String.class);
        String segment = exchange.getMessage().getHeader("segment", String.class);
        if (segment == null) {
            return "/webhooks/" + source;
        }
        return "/webhooks/" + source + "/" + ("treble".equals(exchange.getProperty("provider", String.class)) ? segment : "***");
    }

    private static WebhookRejected find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof WebhookRejected r) {
                return r;
            }
        }
        return null;
    }
}
