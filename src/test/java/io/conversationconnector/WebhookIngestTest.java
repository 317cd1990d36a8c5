package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole connector booted with nothing replaced (embedded PostgreSQL, YAML routes, real HTTP on 127.0.0.1):
 * every provider event kind is accepted, classified, stored with its raw payload and deduplicated.
 */
class WebhookIngestTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static ConnectorHarness app;

    @BeforeAll
    static void boot() throws Exception {
        app = ConnectorHarness.shared();
    }

    /** provider, fixture, Treble kind, expected type of the primary event, expected branch. */
    static Stream<Arguments> everyKind() {
        List<Arguments> rows = new ArrayList<>();
        String[][] treble = {{"conversation-closed", "conversation.closed", "closed"}, {"conversation-closed-hubspot", "conversation.closed", "closed"},
                {"opt-out", "contact.opted_out", "opt-status"}, {"delivered", "message.delivered", "delivery"}, {"read", "message.read", "delivery"},
                {"response", "message.inbound", "inbound-message"}, {"timeout", "conversation.updated", "lifecycle"},
                {"condition", "conversation.updated", "lifecycle"}, {"hsm-status", "template.updated", "other"}};
        for (String[] t : treble) {
            rows.add(Arguments.of("treble", t[0] + ".json", t[0], t[1], t[2]));
        }
        String[][] others = {
                {"bird", "conversation.created.json", "conversation.opened", "lifecycle"},
                {"bird", "conversation.updated-closed.json", "conversation.closed", "closed"},
                {"bird", "conversation.deleted.json", "conversation.deleted", "lifecycle"},
                {"bird", "channels-unknown.json", "unclassified", "other"},
                {"sinch", "message_inbound.json", "message.inbound", "inbound-message"},
                {"sinch", "delivery_queued.json", "message.sent", "delivery"},
                {"sinch", "delivery_delivered_pricing_string.json", "message.delivered", "delivery"},
                {"sinch", "delivery_read_pricing_object.json", "message.read", "delivery"},
                {"sinch", "delivery_failed_outside_window.json", "message.failed", "delivery"},
                {"sinch", "conversation_start.json", "conversation.opened", "lifecycle"},
                {"sinch", "conversation_stop.json", "conversation.closed", "closed"},
                {"sinch", "conversation_delete_id.json", "conversation.deleted", "lifecycle"},
                {"sinch", "opt_out_succeeded.json", "contact.opted_out", "opt-status"},
                {"sinch", "opt_out_failed.json", "unclassified", "other"},
                {"sinch", "opt_in_succeeded.json", "contact.opted_in", "opt-status"},
                {"sinch", "contact_merge.json", "contact.merged", "other"},
                {"sinch", "capability_unmapped.json", "unclassified", "other"},
                {"rasayel", "conversation.created.json", "conversation.opened", "lifecycle"},
                {"rasayel", "conversation.closed.json", "conversation.closed", "closed"},
                {"rasayel", "conversation.assigned.json", "conversation.updated", "lifecycle"},
                {"rasayel", "message.created.json", "message.inbound", "inbound-message"},
                {"rasayel", "message.updated.json", "message.read", "delivery"},
                {"rasayel", "channel_user.created.json", "contact.created", "other"},
                {"rasayel", "unknown.json", "unclassified", "other"}};
        for (String[] o : others) {
            rows.add(Arguments.of(o[0], o[1], null, o[2], o[3]));
        }
        return rows.stream();
    }

    static Webhooks.Request request(String provider, String kind, byte[] body) {
        return switch (provider) {
            case "treble" -> Webhooks.treble(kind, body);
            case "bird" -> Webhooks.bird(body);
            case "sinch" -> Webhooks.sinch(body);
            default -> Webhooks.rasayel(body);
        };
    }

    static HttpResponse<String> send(Webhooks.Request r) throws Exception {
        return app.post(r.path(), r.headers(), r.body());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyKind")
    void acceptsStoresClassifiesAndDeduplicates(String provider, String file, String kind, String type, String branch) throws Exception {
        byte[] body = Webhooks.fixture(provider + "/" + file);
        HttpResponse<String> first = send(request(provider, kind, body));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        JsonNode ack = JSON.readTree(first.body());
        assertThat(ack.get("duplicate").asBoolean()).isFalse();
        String id = ack.get("id").asText();
        assertThat(id).startsWith("evt_");

        Map<String, Object> row = app.jdbi().withHandle(h -> h.createQuery(
                "SELECT type, branch, source, provider, raw_body, canonical::text AS canonical, request_headers::text AS headers, provider_event_id "
                        + "FROM inbox_event WHERE id = :id").bind("id", id).mapToMap().one());
        assertThat(row.get("type")).isEqualTo(type);
        assertThat(row.get("branch")).isEqualTo(branch);
        assertThat(row.get("provider")).isEqualTo(provider);
        assertThat(row.get("raw_body")).isEqualTo(new String(body, java.nio.charset.StandardCharsets.UTF_8));
        JsonNode canonical = JSON.readTree((String) row.get("canonical"));
        assertThat(canonical.get("id").asText()).isEqualTo(id);
        assertThat(canonical.get("type").asText()).isEqualTo(type);
        assertThat(canonical.get("source").asText()).isEqualTo(provider + "-test");
        assertThat(canonical.has("occurredAt")).isTrue();
        assertThat(canonical.has("raw")).isFalse(); // the raw payload is stored once, byte for byte, in raw_body
        String headers = ((String) row.get("headers")).toLowerCase();
        assertThat(headers).contains("content-type").doesNotContain("authorization").doesNotContain("treble-test-token")
                .doesNotContain("x-api-key").doesNotContain("x-sinch-webhook-signature\"").doesNotContain("messagebird-signature");

        // The provider's redelivery (Sinch re-signs with a new nonce) is answered 200, same id, nothing new stored.
        HttpResponse<String> again = send(request(provider, kind, body));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("duplicate").asBoolean()).isTrue();
        assertThat(JSON.readTree(again.body()).get("id").asText()).isEqualTo(id);
        int copies = app.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM inbox_event WHERE source = :s AND provider_event_id = :p")
                .bind("s", provider + "-test").bind("p", (String) row.get("provider_event_id")).mapTo(Integer.class).one());
        assertThat(copies).isEqualTo(1);
    }

    @Test
    void birdLastMessageBecomesAnInboundMessageStoredOnceAcrossUpdates() throws Exception {
        ObjectNode updated = (ObjectNode) JSON.readTree(Webhooks.fixture("bird/conversation.updated.json"));
        ((ObjectNode) updated.get("payload")).put("id", "bird-conv-dedupe-1");
        ((ObjectNode) updated.get("payload").get("lastMessage")).put("id", "bird-msg-dedupe-1");
        assertThat(send(Webhooks.bird(JSON.writeValueAsBytes(updated))).statusCode()).isEqualTo(202);
        ((ObjectNode) updated.get("payload")).put("updatedAt", "2025-11-20T11:05:00.000Z"); // a later update, same lastMessage
        assertThat(send(Webhooks.bird(JSON.writeValueAsBytes(updated))).statusCode()).isEqualTo(202);
        List<Map<String, Object>> rows = app.jdbi().withHandle(h -> h.createQuery(
                "SELECT type, branch FROM inbox_event WHERE conversation_id = 'bird-conv-dedupe-1' ORDER BY type").mapToMap().list());
        assertThat(rows).extracting(r -> r.get("type") + "/" + r.get("branch"))
                .containsExactly("conversation.updated/lifecycle", "conversation.updated/lifecycle", "message.inbound/inbound-message");
    }

    @Test
    void birdBehindAProxyVerifiesAgainstTheForwardedUrl() throws Exception {
        byte[] body = uniqueBird("proxied-1");
        Webhooks.Request signed = Webhooks.bird("bird-proxied", "bird-proxied-key", "https://public.example.test/webhooks/bird-proxied", body, Webhooks.now());
        Map<String, String> headers = new java.util.LinkedHashMap<>(signed.headers());
        headers.put("X-Forwarded-Proto", "https");
        headers.put("X-Forwarded-Host", "public.example.test");
        assertThat(app.post(signed.path(), headers, body).statusCode()).isEqualTo(202);
        // Without the forwarded headers the URL differs, so the signature does not match.
        assertThat(app.post(signed.path(), signed.headers(), uniqueBird("proxied-2")).statusCode()).isEqualTo(401);
    }

    @Test
    void concurrentRedeliveriesStoreExactlyOnce() throws Exception {
        ObjectNode event = (ObjectNode) JSON.readTree(Webhooks.fixture("rasayel/message.created.json"));
        event.put("id", "c0ffee00-0000-4000-8000-race00000001");
        byte[] body = JSON.writeValueAsBytes(event);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                futures.add(pool.submit(() -> send(Webhooks.rasayel(body))));
            }
            List<Integer> statuses = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (Future<HttpResponse<String>> f : futures) {
                statuses.add(f.get().statusCode());
                ids.add(JSON.readTree(f.get().body()).get("id").asText());
            }
            assertThat(statuses).containsOnly(202, 200);
            assertThat(statuses.stream().filter(s -> s == 202).count()).isEqualTo(1);
            assertThat(ids).containsOnly(ids.get(0));
        } finally {
            pool.shutdownNow();
        }
        int rows = app.jdbi().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM inbox_event WHERE provider_event_id = 'message.created:c0ffee00-0000-4000-8000-race00000001'").mapTo(Integer.class).one());
        assertThat(rows).isEqualTo(1);
    }

    @Test
    void readinessIsUpAndResponsesDoNotEchoRequestHeaders() throws Exception {
        HttpResponse<String> ready = app.get(app.mgmtPort, "/observe/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("UP");
        HttpResponse<String> r = send(Webhooks.sinch(uniqueSinch("echo-check")));
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.headers().map().keySet()).noneMatch(k -> k.toLowerCase().startsWith("x-sinch") || k.equalsIgnoreCase("authorization"));
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    }

    static byte[] uniqueSinch(String messageId) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(Webhooks.fixture("sinch/message_inbound.json"));
        ((ObjectNode) n.get("message")).put("id", messageId);
        return JSON.writeValueAsBytes(n);
    }

    static byte[] uniqueBird(String conversationId) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(Webhooks.fixture("bird/conversation.deleted.json"));
        ((ObjectNode) n.get("payload")).put("id", conversationId);
        return JSON.writeValueAsBytes(n);
    }
}
