package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets the contract's status and a JSON error, stores nothing, and never shows a secret
 * (design.md: 400, 401, 404, 405, 413, 415; never a 500 for a predictable condition).
 */
class BadInputTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] SECRETS = {"treble-test-token", Webhooks.TREBLE_API_KEY, Webhooks.BIRD_KEY, Webhooks.SINCH_SECRET,
            Webhooks.RASAYEL_TOKEN, ConnectorHarness.ADMIN_TOKEN};
    static ConnectorHarness app;
    long rowsBefore;

    @BeforeAll
    static void boot() throws Exception {
        app = ConnectorHarness.shared();
    }

    @BeforeEach
    void countRows() {
        rowsBefore = rows();
    }

    long rows() {
        return app.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM inbox_event").mapTo(Long.class).one());
    }

    /** Asserts the status, the JSON error code, no secret in the body, and (for rejections) nothing stored. */
    JsonNode expectError(HttpResponse<String> r, int status, String error) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("error").asText()).isEqualTo(error);
        assertThat(body.get("detail").asText()).isNotBlank();
        for (String secret : SECRETS) {
            assertThat(r.body()).doesNotContain(secret);
        }
        assertNoSecretLogged();
        assertThat(rows()).as("nothing stored").isEqualTo(rowsBefore);
        return body;
    }

    /** Every log line since the connector started, rejections included, is free of configured secrets. */
    static void assertNoSecretLogged() {
        java.util.List<String> lines = LogCapture.install().lines();
        assertThat(lines).as("log lines captured").isNotEmpty();
        for (String secret : SECRETS) {
            assertThat(lines).noneMatch(line -> line.contains(secret));
        }
    }

    @Test
    void rejectionsAreLoggedWithoutSecrets() throws Exception {
        expectError(send(Webhooks.sinch(WebhookIngestTest.uniqueSinch("log-1"), "nonce-log-1", Webhooks.now(), "wrong-secret")), 401, "authentication_failed");
        assertThat(LogCapture.install().lines()).anyMatch(l -> l.startsWith("webhook source=sinch-test status=401 error=authentication_failed path=/webhooks/sinch-test"));
    }

    HttpResponse<String> send(Webhooks.Request r) throws Exception {
        return app.post(r.path(), r.headers(), r.body());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void malformedTruncatedEmptyAndNonObjectJsonAre400() throws Exception {
        byte[] valid = WebhookIngestTest.uniqueSinch("bad-json-1");
        byte[] truncated = Arrays.copyOf(valid, valid.length / 2);
        expectError(send(Webhooks.sinch(truncated)), 400, "malformed_json");
        expectError(send(Webhooks.sinch(bytes("{\"app_id\": nope}"))), 400, "malformed_json");
        expectError(send(Webhooks.sinch(bytes("[1,2,3]"))), 400, "malformed_json");
        expectError(send(Webhooks.sinch(bytes("{} {}"))), 400, "malformed_json");
        expectError(send(Webhooks.sinch(new byte[0])), 400, "malformed_json");
        expectError(send(Webhooks.treble("read", bytes("{\"session_id\":"))), 400, "malformed_json");
        expectError(send(Webhooks.rasayel(bytes("not json at all"))), 400, "malformed_json");
    }

    @Test
    void nonJsonContentTypeIs415() throws Exception {
        Webhooks.Request r = Webhooks.sinch(WebhookIngestTest.uniqueSinch("ctype-1"));
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        expectError(app.post(r.path(), headers, r.body()), 415, "unsupported_media_type");
        headers.put("Content-Type", "text/plain");
        expectError(app.post(r.path(), headers, r.body()), 415, "unsupported_media_type");
        // application/json with a charset, and +json types, are JSON.
        headers.put("Content-Type", "application/json; charset=utf-8");
        assertThat(app.post(r.path(), headers, r.body()).statusCode()).isEqualTo(202);
    }

    @Test
    void bodyOverOneMebibyteIs413() throws Exception {
        byte[] big = new byte[1024 * 1024 + 1];
        Arrays.fill(big, (byte) ' ');
        big[0] = '{';
        big[big.length - 1] = '}';
        expectError(send(Webhooks.sinch(big)), 413, "payload_too_large");
        expectError(send(Webhooks.treble("read", big)), 413, "payload_too_large");
    }

    @Test
    void missingOrWrongCredentialsAre401() throws Exception {
        byte[] body = WebhookIngestTest.uniqueSinch("auth-1");
        Webhooks.Request good = Webhooks.sinch(body);
        Map<String, String> noSig = new LinkedHashMap<>(good.headers());
        noSig.remove("x-sinch-webhook-signature");
        expectError(app.post(good.path(), noSig, body), 401, "authentication_failed");
        expectError(send(Webhooks.sinch(body, "nonce-x1", Webhooks.now(), "wrong-secret")), 401, "authentication_failed");
        expectError(send(Webhooks.bird("bird-test", "wrong-key", Webhooks.BIRD_URL, WebhookIngestTest.uniqueBird("auth-b1"), Webhooks.now())), 401, "authentication_failed");
        Webhooks.Request treble = Webhooks.treble("read", Webhooks.fixture("treble/read.json"));
        Map<String, String> wrongToken = new LinkedHashMap<>(treble.headers());
        wrongToken.put("Authorization", "Bearer guess");
        expectError(app.post(treble.path(), wrongToken, treble.body()), 401, "authentication_failed");
        Map<String, String> missingKey = new LinkedHashMap<>(treble.headers());
        missingKey.remove("X-Api-Key");
        expectError(app.post(treble.path(), missingKey, treble.body()), 401, "authentication_failed");
        expectError(app.post("/webhooks/rasayel-test/wrong-token", Map.of("Content-Type", "application/json"),
                Webhooks.fixture("rasayel/message.created.json")), 401, "authentication_failed");
    }

    @Test
    void staleTimestampIs401() throws Exception {
        byte[] body = WebhookIngestTest.uniqueSinch("stale-1");
        JsonNode e = expectError(send(Webhooks.sinch(body, "nonce-stale-1", Webhooks.now() - 301, Webhooks.SINCH_SECRET)), 401, "authentication_failed");
        assertThat(e.get("detail").asText()).contains("tolerance");
        expectError(send(Webhooks.sinch(body, "nonce-stale-2", Webhooks.now() + 301, Webhooks.SINCH_SECRET)), 401, "authentication_failed");
    }

    @Test
    void reusedNonceIs401EvenWithAValidSignature() throws Exception {
        long ts = Webhooks.now();
        HttpResponse<String> first = send(Webhooks.sinch(WebhookIngestTest.uniqueSinch("nonce-reuse-1"), "nonce-reuse", ts, Webhooks.SINCH_SECRET));
        assertThat(first.statusCode()).isEqualTo(202);
        rowsBefore = rows();
        // The exact same request replayed, and a different body signed with the same nonce.
        JsonNode e = expectError(send(Webhooks.sinch(WebhookIngestTest.uniqueSinch("nonce-reuse-1"), "nonce-reuse", ts, Webhooks.SINCH_SECRET)), 401, "authentication_failed");
        assertThat(e.get("detail").asText()).contains("nonce");
        expectError(send(Webhooks.sinch(WebhookIngestTest.uniqueSinch("nonce-reuse-2"), "nonce-reuse", ts, Webhooks.SINCH_SECRET)), 401, "authentication_failed");
    }

    @Test
    void unknownSourceKindAndUrlShapeAre404AndGetIs405() throws Exception {
        byte[] body = Webhooks.fixture("treble/read.json");
        expectError(app.post("/webhooks/no-such-source", Map.of("Content-Type", "application/json"), body), 404, "unknown_source");
        expectError(send(Webhooks.treble("no-such-kind", body)), 404, "unknown_kind");
        expectError(app.post("/webhooks/sinch-test/extra", Map.of("Content-Type", "application/json"), body), 404, "not_found");
        expectError(app.post("/webhooks/treble-test", Webhooks.treble("read", body).headers(), body), 404, "not_found");
        expectError(app.get(app.httpPort, "/webhooks/sinch-test"), 405, "method_not_allowed");
        expectError(app.get(app.httpPort, "/nothing-here"), 404, "not_found");
    }

    @Test
    void wellFormedButUnknownEventIsStoredAsUnclassified() throws Exception {
        HttpResponse<String> r = send(Webhooks.sinch(bytes("{\"app_id\":\"x\",\"brand_new_notification\":{\"id\":\"n-42\"}}")));
        assertThat(r.statusCode()).isEqualTo(202);
        String id = JSON.readTree(r.body()).get("id").asText();
        String type = app.jdbi().withHandle(h -> h.createQuery("SELECT type FROM inbox_event WHERE id = :id").bind("id", id).mapTo(String.class).one());
        assertThat(type).isEqualTo("unclassified");
        // Another payload of that kind is another event, not a redelivery of the first (it was, until 2026-11-22).
        HttpResponse<String> other = send(Webhooks.sinch(bytes("{\"app_id\":\"x\",\"brand_new_notification\":{\"id\":\"n-43\"}}")));
        assertThat(other.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(other.body()).get("id").asText()).isNotEqualTo(id);
    }

    @Test
    void aNulCharacterInATextDoesNotMakeTheEventUnstorable() throws Exception {
        byte[] body = bytes(new String(WebhookIngestTest.uniqueSinch("nul-1"), StandardCharsets.UTF_8).replace("siguen abiertos", "sig\\u0000uen"));
        HttpResponse<String> r = send(Webhooks.sinch(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    /** Found by InboundFuzzTest: a NUL in an identifier or field name made the event unstorable (503 for ever). */
    @Test
    void aNulCharacterInAnIdOrAFieldNameDoesNotMakeTheEventUnstorable() throws Exception {
        String id = "nul-id-" + System.nanoTime();
        byte[] body = bytes(new String(WebhookIngestTest.uniqueSinch(id), StandardCharsets.UTF_8)
                .replace(id, id + "\\u0000x").replace("\"message\":{", "\"message\":{\"we\\u0000ird\":1,"));
        HttpResponse<String> r = send(Webhooks.sinch(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String stored = app.jdbi().withHandle(h -> h.createQuery("SELECT provider_event_id FROM inbox_event WHERE id = :id")
                .bind("id", JSON.readTree(r.body()).get("id").asText()).mapTo(String.class).one());
        assertThat(stored).isEqualTo("message:" + id + "\uFFFDx");
    }

    /** Found by InboundFuzzTest: an id too long for the dedupe index was a 503 for ever; it is a malformed payload. */
    @Test
    void anIdentifierTooLongToBeAKeyIs400() throws Exception {
        String id = "long-" + "x".repeat(600);
        expectError(send(Webhooks.sinch(WebhookIngestTest.uniqueSinch(id))), 400, "invalid_payload");
        HttpResponse<String> nonce = send(Webhooks.sinch(WebhookIngestTest.uniqueSinch("long-nonce"), "n".repeat(300), Webhooks.now(),
                Webhooks.SINCH_SECRET));
        expectError(nonce, 401, "authentication_failed");
    }

    /** Found by InboundFuzzTest: a body the HTTP layer cannot decode as a form got Vert.x's plain-text 400. */
    @Test
    void aBodyTheHttpLayerCannotDecodeGetsAJsonError() throws Exception {
        Webhooks.Request treble = Webhooks.treble("response", new byte[] {9, 38});
        Map<String, String> headers = new LinkedHashMap<>(treble.headers());
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        expectError(send(new Webhooks.Request(treble.path(), headers, treble.body())), 415, "unsupported_media_type");
    }
}
