package io.conversationconnector.ingest;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.auth.InboundRequest;
import io.conversationconnector.config.SourceConfig;
import io.conversationconnector.storage.InboxWriter;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The provider-independent steps of ingest that the webhook routes call: resolve the source, parse the JSON,
 * commit and acknowledge. Provider-specific steps are {@link AuthenticationStep} and {@link MappingStep}.
 */
public final class WebhookIntake {
    /** Exchange property: System.nanoTime() when the request reached its route (for the latency metric). */
    public static final String STARTED_NANOS = "startedNanos";
    /** Headers kept with each event for diagnosis. An allow-list: credentials can never end up stored. */
    private static final List<String> STORED_HEADERS = List.of("content-type", "user-agent", "x-forwarded-for",
            "x-request-id", "messagebird-request-id", "messagebird-request-timestamp",
            "x-sinch-webhook-signature-timestamp", "x-sinch-webhook-signature-nonce",
            "x-sinch-webhook-signature-algorithm");

    private final Map<String, SourceConfig> sources;
    private final InboxWriter inbox;
    private final Clock clock;
    private final ObjectMapper json;
    private final RequestOutcomes outcomes;

    public WebhookIntake(Map<String, SourceConfig> sources, InboxWriter inbox, Clock clock, ObjectMapper json, RequestOutcomes outcomes) {
        this.sources = sources;
        this.inbox = inbox;
        this.outcomes = outcomes;
        this.clock = clock;
        this.json = json.copy().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** First step: the source must exist (404) and the body be JSON (415); the request becomes an {@link IngestUnit}; "provider" is set for routing. */
    public void admit(Exchange exchange) {
        exchange.setProperty(STARTED_NANOS, System.nanoTime());
        Message in = exchange.getMessage();
        String sourceId = in.getHeader("source", String.class);
        SourceConfig source = sourceId == null ? null : sources.get(sourceId);
        if (source == null) {
            throw WebhookRejected.notFound("unknown_source", "no source with id '" + truncate(sourceId) + "' is configured");
        }
        // Checked before authentication: a form-encoded body loses its raw bytes in the HTTP layer, so its
        // signature could never verify, and the content type we accept is no secret.
        String contentType = in.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (!isJson(contentType)) {
            throw new WebhookRejected(415, "unsupported_media_type",
                    "content-type must be application/json, was " + (contentType == null ? "absent" : "'" + truncate(contentType) + "'"));
        }
        byte[] body = in.getBody(byte[].class);
        String segment = in.getHeader("segment", String.class);
        // The request headers move into the unit; the Camel message keeps only what routing and error logging
        // use, so that every later exchange copy (split, expressions) stays cheap.
        Map<String, String> headers = new HashMap<>();
        in.getHeaders().forEach((name, value) -> {
            if (value instanceof String s && !name.startsWith("Camel")) {
                headers.put(name.toLowerCase(Locale.ROOT), s);
            }
        });
        InboundRequest request = new InboundRequest(source, name -> headers.get(name.toLowerCase(Locale.ROOT)), segment,
                requestUrl(in), body == null ? new byte[0] : body, clock.instant());
        Object method = in.getHeader(Exchange.HTTP_METHOD);
        Object path = in.getHeader(Exchange.HTTP_PATH);
        // Not removeHeaders(pattern, excludes): it compiles regular expressions for every header.
        in.getHeaders().clear();
        in.setHeader("source", sourceId);
        in.setHeader("segment", segment);
        in.setHeader(Exchange.HTTP_METHOD, method);
        in.setHeader(Exchange.HTTP_PATH, path);
        Map<String, String> stored = new LinkedHashMap<>();
        for (String name : STORED_HEADERS) {
            String value = headers.get(name);
            if (value != null) {
                stored.put(name, truncate(value));
            }
        }
        String kind = source.provider() == io.conversationconnector.config.Provider.TREBLE ? segment : null;
        exchange.setProperty(IngestUnit.PROPERTY, new IngestUnit(request, kind, stored));
        exchange.setProperty("provider", source.provider().id());
    }

    /** The URL shape does not fit the source's provider (e.g. a Bird source called with an extra segment). */
    public void rejectUrlShape(Exchange exchange) {
        String provider = exchange.getProperty("provider", String.class);
        String expected = switch (provider) {
            case "treble" -> "/webhooks/{source}/{kind}";
            case "rasayel" -> "/webhooks/{source}/{token}";
            default -> "/webhooks/{source}";
        };
        throw WebhookRejected.notFound("not_found", "a " + provider + " source is called at " + expected);
    }

    /** The body must be one well-formed JSON object (400). */
    public void parseJson(Exchange exchange) {
        IngestUnit unit = exchange.getProperty(IngestUnit.PROPERTY, IngestUnit.class);
        byte[] body = unit.request().body();
        if (body.length == 0) {
            throw WebhookRejected.badRequest("malformed_json", "the body is empty");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw WebhookRejected.badRequest("malformed_json", "the body is not valid JSON"
                    + (loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")"));
        } catch (IOException e) {
            throw WebhookRejected.badRequest("malformed_json", "the body could not be read as JSON");
        }
        if (node == null || !node.isObject()) {
            throw WebhookRejected.badRequest("malformed_json", "the body must be a JSON object");
        }
        if (containsNulEscape(body)) {
            node = withoutNul(node);
        }
        unit.payload(node);
    }

    /** Last step: commit the unit (durably), then answer 202, or 200 for a repeat. */
    public void commitAndAcknowledge(Exchange exchange) throws JsonProcessingException {
        IngestUnit unit = exchange.getProperty(IngestUnit.PROPERTY, IngestUnit.class);
        InboxWriter.Outcome outcome = inbox.commit(unit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", outcome.id());
        body.put("duplicate", outcome.duplicate());
        int status = outcome.duplicate() ? 200 : 202;
        HttpResponses.json(exchange, status, json.writeValueAsString(body));
        outcomes.acknowledged(unit.sourceId(), status, outcome.id(), unit.events().size(), startedNanos(exchange));
    }

    /** When the request reached its route; for failures before that, an estimate from the exchange's creation. */
    public static long startedNanos(Exchange exchange) {
        Long started = exchange.getProperty(STARTED_NANOS, Long.class);
        return started != null ? started : System.nanoTime() - exchange.getClock().elapsed() * 1_000_000;
    }

    private static final byte[] NUL_ESCAPE = "\\u0000".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** JSON can only carry a NUL character as the escape \u0000; almost no payload has one, so look before walking. */
    static boolean containsNulEscape(byte[] body) {
        outer:
        for (int i = 0; i + NUL_ESCAPE.length <= body.length; i++) {
            for (int j = 0; j < NUL_ESCAPE.length; j++) {
                if (body[i + j] != NUL_ESCAPE[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * PostgreSQL text and jsonb refuse the NUL character, so a payload value holding one would make the event
     * unstorable (a 503 forever). The mappers see U+FFFD instead; the stored raw body keeps the original text.
     */
    static JsonNode withoutNul(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue().indexOf('\u0000') < 0 ? node : com.fasterxml.jackson.databind.node.TextNode.valueOf(
                    node.textValue().replace('\u0000', '\uFFFD'));
        }
        if (node.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            node.forEach(child -> out.add(withoutNul(child)));
            return out;
        }
        if (node.isObject()) {
            com.fasterxml.jackson.databind.node.ObjectNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(e -> out.set(e.getKey().replace('\u0000', '\uFFFD'), withoutNul(e.getValue())));
            return out;
        }
        return node;
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String mime = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return mime.equals("application/json") || (mime.startsWith("application/") && mime.endsWith("+json"));
    }

    private static String requestUrl(Message in) {
        String proto = in.getHeader("X-Forwarded-Proto", String.class);
        String host = in.getHeader("X-Forwarded-Host", String.class);
        if (host == null) {
            host = in.getHeader("Host", String.class);
        }
        String uri = in.getHeader(Exchange.HTTP_URI, String.class);
        String query = in.getHeader(Exchange.HTTP_RAW_QUERY, String.class);
        if (query == null) {
            query = in.getHeader(Exchange.HTTP_QUERY, String.class);
        }
        String path = uri == null ? "" : uri;
        if (query != null && !query.isEmpty() && !path.contains("?")) {
            path = path + "?" + query;
        }
        return (proto == null ? "http" : proto.split(",")[0].strip()) + "://" + (host == null ? "localhost" : host) + path;
    }

    private static String truncate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
