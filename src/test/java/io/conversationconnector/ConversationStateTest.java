package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Conversation state, WhatsApp windows and opt-outs as the admin API reports them, fed through real webhooks:
 * out of order, repeated, across providers, with the connector's clock pinned for exact window boundaries.
 */
class ConversationStateTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final DateTimeFormatter BOGOTA = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.of("America/Bogota"));
    static final String TOKEN = ConnectorHarness.ADMIN_TOKEN;
    static ConnectorHarness app;

    @BeforeAll
    static void boot() throws Exception {
        app = ConnectorHarness.shared();
    }

    @AfterEach
    void realTime() {
        app.clock.release();
    }

    static String newPhone() {
        return "+5731" + (10_000_000 + ThreadLocalRandom.current().nextInt(89_999_999));
    }

    /** A Treble "response" (an inbound message) from phone in session at instant. */
    static Webhooks.Request trebleResponse(String session, String phone, Instant at, String text) {
        String body = "{\"country_code\":\"+57\",\"cellphone\":\"" + phone.substring(3) + "\",\"session_id\":\"" + session + "\","
                + "\"conversation_id\":501,\"sent_at\":\"" + BOGOTA.format(at.minusSeconds(30)) + "\",\"responded_at\":\""
                + BOGOTA.format(at) + "\",\"actual_response\":\"" + text + "\",\"user_session_keys\":[]}";
        return Webhooks.treble("response", body.getBytes());
    }

    static Webhooks.Request trebleClosed(String session, String phone, Instant at) {
        String body = "{\"session\":{\"external_id\":\"" + session + "\",\"closed_at\":\"" + BOGOTA.format(at) + "\"},"
                + "\"user\":{\"country_code\":\"+57\",\"cellphone\":\"" + phone.substring(3) + "\"},\"messages\":[]}";
        return Webhooks.treble("conversation-closed", body.getBytes());
    }

    static Webhooks.Request trebleDelivered(String session, String phone, Instant at) {
        String body = "{\"country_code\":\"+57\",\"cellphone\":\"" + phone.substring(3) + "\",\"session_id\":\"" + session + "\","
                + "\"conversation_id\":501,\"sent_at\":\"" + BOGOTA.format(at.minusSeconds(2)) + "\",\"delivered_at\":\"" + BOGOTA.format(at) + "\"}";
        return Webhooks.treble("delivered", body.getBytes());
    }

    /** Sinch payloads are signed with the connector's current (possibly pinned) time. */
    static Webhooks.Request sinch(ObjectNode body) throws Exception {
        return Webhooks.sinch(JSON.writeValueAsBytes(body), app.clock.instant());
    }

    static ObjectNode sinchInbound(String phone, String messageId, Instant at, String text) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(Webhooks.fixture("sinch/message_inbound.json"));
        ObjectNode m = (ObjectNode) n.get("message");
        m.put("id", messageId).put("accept_time", at.toString()).put("conversation_id", "sinch-conv-" + messageId);
        ((ObjectNode) m.get("channel_identity")).put("identity", phone.substring(1));
        ((ObjectNode) m.get("contact_message").get("text_message")).put("text", text);
        return n;
    }

    static ObjectNode sinchDelivery(String fixture, String phone, String messageId, Instant at) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(Webhooks.fixture("sinch/" + fixture));
        n.put("event_time", at.toString());
        ObjectNode r = (ObjectNode) n.get("message_delivery_report");
        r.put("message_id", messageId);
        ((ObjectNode) r.get("channel_identity")).put("identity", phone.substring(1));
        return n;
    }

    static HttpResponse<String> send(Webhooks.Request r) throws Exception {
        HttpResponse<String> resp = app.post(r.path(), r.headers(), r.body());
        assertThat(resp.statusCode()).as(resp.body()).isIn(200, 202);
        return resp;
    }

    static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = app.api("GET", path, TOKEN, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static JsonNode conversationOf(String source, String providerId) throws Exception {
        JsonNode list = get("/api/conversations?source=" + source + "&providerConversationId=" + providerId);
        assertThat(list.get("count").asInt()).isEqualTo(1);
        return get("/api/conversations/" + list.get("conversations").get(0).get("id").asText());
    }

    @Test
    void stateNeverMovesBackwardsAndDuplicatesChangeNothing() throws Exception {
        String session = "state-" + System.nanoTime();
        String phone = newPhone();
        Instant t1 = Instant.parse("2025-11-20T14:00:00Z");
        send(trebleResponse(session, phone, t1, "Hola"));
        JsonNode c = conversationOf("treble-test", session);
        assertThat(c.get("id").asText()).startsWith("conv_");
        assertThat(c.get("status").asText()).isEqualTo("open");
        assertThat(c.get("contact").get("phone").asText()).isEqualTo(phone);
        assertThat(c.get("lastInboundAt").asText()).isEqualTo("2025-11-20T14:00:00Z");

        Instant t3 = t1.plusSeconds(1800);
        send(trebleClosed(session, phone, t3));
        // Arriving late: a delivery receipt and an inbound message from before the close.
        send(trebleDelivered(session, phone, t1.plusSeconds(600)));
        send(trebleResponse(session, phone, t1.plusSeconds(900), "¿Sigue ahí?"));
        c = conversationOf("treble-test", session);
        assertThat(c.get("status").asText()).isEqualTo("closed");
        assertThat(c.get("closedAt").asText()).isEqualTo("2025-11-20T14:30:00Z");
        assertThat(c.get("closureReason").asText()).isEqualTo("provider_closed");
        assertThat(c.get("lastActivityAt").asText()).isEqualTo("2025-11-20T14:15:00Z");
        assertThat(c.get("lastInboundAt").asText()).isEqualTo("2025-11-20T14:15:00Z");
        String updatedAt = c.get("updatedAt").asText();

        // A duplicate of the late inbound message changes nothing at all.
        HttpResponse<String> dup = send(trebleResponse(session, phone, t1.plusSeconds(900), "¿Sigue ahí?"));
        assertThat(dup.statusCode()).isEqualTo(200);
        assertThat(conversationOf("treble-test", session).get("updatedAt").asText()).isEqualTo(updatedAt);

        // A new inbound message after the close re-opens the conversation; the stable id stays.
        send(trebleResponse(session, phone, t3.plusSeconds(60), "Otra pregunta"));
        JsonNode reopened = conversationOf("treble-test", session);
        assertThat(reopened.get("status").asText()).isEqualTo("open");
        assertThat(reopened.get("id").asText()).isEqualTo(c.get("id").asText());
        assertThat(reopened.get("openedAt").asText()).as("earliest event seen").isEqualTo("2025-11-20T14:00:00Z");
        // The full history, in event time order.
        List<String> types = reopened.get("events").findValuesAsText("type");
        assertThat(types).containsExactly("message.inbound", "message.delivered", "message.inbound", "conversation.closed", "message.inbound");
        assertThat(get("/api/conversations?contact=" + phone.replace("+", "%2B") + "&status=open").get("count").asInt()).isEqualTo(1);
        assertThat(get("/api/conversations?contact=" + phone.replace("+", "%2B") + "&status=closed").get("count").asInt()).isZero();
    }

    /**
     * Many webhooks about one conversation at once: both group-commit writers change its conversation and window rows
     * concurrently, and one batch may carry several changes of the same row. None may deadlock or be refused, and the
     * latest message must win whatever order the batches commit in.
     */
    @Test
    void concurrentMessagesOfOneConversationAreAllStored() throws Exception {
        String phone = newPhone();
        String conversation = "sinch-conv-busy-" + System.nanoTime();
        Instant first = Instant.now().minusSeconds(600).truncatedTo(ChronoUnit.SECONDS);
        int threads = 12;
        int perThread = 20;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < threads * perThread; i++) {
            int k = i;
            statuses.add(pool.submit(() -> {
                ObjectNode body = sinchInbound(phone, conversation + "-m" + k, first.plusSeconds(k), "message " + k);
                ((ObjectNode) body.get("message")).put("conversation_id", conversation);
                Webhooks.Request r = sinch(body);
                return app.post(r.path(), r.headers(), r.body()).statusCode();
            }));
        }
        pool.shutdown();
        List<Integer> answers = new ArrayList<>();
        for (Future<Integer> s : statuses) {
            answers.add(s.get());
        }
        assertThat(answers).as("every webhook stored, none refused").containsOnly(202);
        JsonNode c = conversationOf("sinch-test", conversation);
        assertThat(c.get("events")).hasSize(threads * perThread);
        Instant last = first.plusSeconds(threads * perThread - 1);
        assertThat(c.get("lastInboundAt").asText()).isEqualTo(last.toString());
        assertThat(get("/api/contacts/" + phone.replace("+", "%2B") + "/window").get("lastInboundAt").asText()).isEqualTo(last.toString());
    }

    @Test
    void windowIsOpenFor24hFromTheLastInboundMessageExactlyToTheSecond() throws Exception {
        String phone = newPhone();
        Instant inbound = Instant.parse("2025-11-20T14:00:00Z");
        send(trebleResponse("win-" + System.nanoTime(), phone, inbound, "Hola"));
        String path = "/api/contacts/" + phone + "/window";

        app.clock.pin(inbound.plusSeconds(86_399));
        JsonNode open = get(path);
        assertThat(open.get("open").asBoolean()).isTrue();
        assertThat(open.get("secondsLeft").asLong()).isEqualTo(1);
        assertThat(open.get("expiresAt").asText()).isEqualTo("2025-11-21T14:00:00Z");
        assertThat(open.get("lastInboundAt").asText()).isEqualTo("2025-11-20T14:00:00Z");
        assertThat(open.get("source").asText()).isEqualTo("treble-test");
        assertThat(open.get("optedOut").asBoolean()).isFalse();

        app.clock.pin(inbound.plusSeconds(86_400));
        JsonNode closed = get(path);
        assertThat(closed.get("open").asBoolean()).isFalse();
        assertThat(closed.get("secondsLeft").asLong()).isZero();

        // A business message (delivery receipt) does not extend it; an older inbound message does not either.
        send(trebleDelivered("win-b-" + System.nanoTime(), phone, inbound.plusSeconds(80_000)));
        send(trebleResponse("win-c-" + System.nanoTime(), phone, inbound.minusSeconds(3_600), "antes"));
        assertThat(get(path).get("expiresAt").asText()).isEqualTo("2025-11-21T14:00:00Z");
        // A newer inbound message resets it to a full 24h.
        send(trebleResponse("win-d-" + System.nanoTime(), phone, inbound.plusSeconds(86_400), "de nuevo"));
        JsonNode reset = get(path);
        assertThat(reset.get("open").asBoolean()).isTrue();
        assertThat(reset.get("secondsLeft").asLong()).isEqualTo(86_400);
    }

    @Test
    void sinchSignalsFreeEntryPointAndClosedWindowsPerSource() throws Exception {
        String phone = newPhone();
        Instant inbound = Instant.parse("2025-11-20T10:00:00Z");
        app.clock.pin(inbound.plusSeconds(60));
        send(sinch(sinchInbound(phone, "w-in-" + System.nanoTime(), inbound, "Hello")));
        send(sinch(sinchDelivery("delivery_read_pricing_object.json", phone, "w-fep-" + System.nanoTime(), inbound.plusSeconds(30))));
        JsonNode w = get("/api/contacts/" + phone.replace("+", "%2B") + "/window");
        assertThat(w.get("open").asBoolean()).isTrue();
        assertThat(w.get("pricingCategory").asText()).isEqualTo("free_entry_point");
        assertThat(w.get("freeEntryPoint").get("expiresAt").asText()).isEqualTo("2025-11-23T10:00:30Z");

        // The provider reports an out-of-window failure: closed until a newer inbound message.
        send(sinch(sinchDelivery("delivery_failed_outside_window.json", phone, "w-fail-" + System.nanoTime(), inbound.plusSeconds(40))));
        JsonNode failed = get("/api/contacts/" + phone + "/window");
        assertThat(failed.get("open").asBoolean()).isFalse();
        assertThat(failed.get("windows").get(0).get("closedByProvider").asBoolean()).isTrue();

        // The same contact writes through Treble too: one window per source; the open one is the answer.
        app.clock.pin(inbound.plusSeconds(120));
        send(trebleResponse("w-t-" + System.nanoTime(), phone, inbound.plusSeconds(100), "hola"));
        JsonNode both = get("/api/contacts/" + phone + "/window");
        assertThat(both.get("windows")).hasSize(2);
        assertThat(both.get("open").asBoolean()).isTrue();
        assertThat(both.get("source").asText()).isEqualTo("treble-test");
    }

    @Test
    void optOutsFromEveryProviderOneListAndOperatorsWithHistory() throws Exception {
        String byKeyword = newPhone();
        String nearMiss = newPhone();
        String byTreble = newPhone();
        String byRasayel = "+9715" + (10_000_000 + ThreadLocalRandom.current().nextInt(89_999_999));
        send(sinch(sinchInbound(byKeyword, "kw-" + System.nanoTime(), Instant.now().minusSeconds(5), "  Stop! ")));
        send(sinch(sinchInbound(nearMiss, "kw-" + System.nanoTime(), Instant.now().minusSeconds(5), "stop by tomorrow")));
        ObjectNode trebleOptOut = (ObjectNode) JSON.readTree(Webhooks.fixture("treble/opt-out.json"));
        trebleOptOut.put("cellphone", byTreble.substring(3)).put("session_id", "oo-" + System.nanoTime());
        send(Webhooks.treble("opt-out", JSON.writeValueAsBytes(trebleOptOut)));
        ObjectNode blocked = (ObjectNode) JSON.readTree(Webhooks.fixture("rasayel/conversation.assigned.json"));
        blocked.put("id", "b10cked0-0000-4000-8000-" + (100_000_000_000L + System.nanoTime() % 900_000_000_000L));
        ((ObjectNode) blocked.get("data")).put("state", "BLOCKED");
        ((ObjectNode) blocked.get("data").get("participants").get(0).get("user").get("identifiers").get(0)).put("sourceId", byRasayel.substring(1));
        send(Webhooks.rasayel(JSON.writeValueAsBytes(blocked)));
        // A failed Sinch opt-out registration changes nothing.
        ObjectNode failed = (ObjectNode) JSON.readTree(Webhooks.fixture("sinch/opt_out_failed.json"));
        String notOut = newPhone();
        ((ObjectNode) failed.get("opt_out_notification")).put("identity", notOut.substring(1)).put("request_id", "req-" + System.nanoTime());
        send(sinch(failed));

        JsonNode list = get("/api/opt-outs");
        List<String> phones = list.get("optOuts").findValuesAsText("phone");
        assertThat(phones).contains(byKeyword, byTreble, byRasayel).doesNotContain(nearMiss, notOut);
        JsonNode keywordEntry = find(list, byKeyword);
        assertThat(keywordEntry.get("keyword").asText()).isEqualTo("STOP");
        assertThat(keywordEntry.get("actor").asText()).isEqualTo("keyword:sinch-test");
        assertThat(find(list, byTreble).get("actor").asText()).isEqualTo("provider:treble-test");
        assertThat(find(list, byRasayel).get("reason").asText()).isEqualTo("blocked");
        // Opt-outs are per contact across sources: the window answer says so whatever the source.
        assertThat(get("/api/contacts/" + byTreble + "/window").get("optedOut").asBoolean()).isTrue();

        HttpResponse<String> csv = app.api("GET", "/api/opt-outs", TOKEN, null, "Accept", "text/csv");
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
        assertThat(csv.body().lines().findFirst()).hasValue("phone,opted_out_at,reason,keyword,source,actor,note");
        assertThat(csv.body()).contains(byKeyword + ",").contains(",STOP,sinch-test,keyword:sinch-test,");

        // An operator removes one (who, when, why recorded); a stale provider opt-out arriving later does not undo it.
        HttpResponse<String> removed = app.api("DELETE", "/api/opt-outs/" + byTreble.replace("+", "%2B") + "?by=ana&reason=customer%20asked", TOKEN, null);
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
        assertThat(JSON.readTree(removed.body()).get("actor").asText()).isEqualTo("operator:ana");
        assertThat(JSON.readTree(removed.body()).get("reason").asText()).isEqualTo("customer asked");
        ObjectNode staleSinch = (ObjectNode) JSON.readTree(Webhooks.fixture("sinch/opt_out_succeeded.json"));
        staleSinch.put("event_time", Instant.now().minusSeconds(3_600).toString());
        ((ObjectNode) staleSinch.get("opt_out_notification")).put("identity", byTreble.substring(1)).put("request_id", "stale-" + System.nanoTime());
        send(sinch(staleSinch));
        assertThat(get("/api/contacts/" + byTreble + "/window").get("optedOut").asBoolean()).isFalse();
        List<String> history = app.jdbi().withHandle(h -> h.createQuery("SELECT actor FROM opt_out_history WHERE phone = :p ORDER BY id")
                .bind("p", byTreble).mapTo(String.class).list());
        assertThat(history).containsExactly("provider:treble-test", "operator:ana", "provider:sinch-test");
        assertThat(app.api("DELETE", "/api/opt-outs/" + byTreble, TOKEN, null).statusCode()).isEqualTo(404);

        String manual = newPhone();
        assertThat(app.api("POST", "/api/opt-outs", TOKEN, "{\"phone\":\"" + manual + "\",\"by\":\"luis\",\"reason\":\"complaint\"}").statusCode()).isEqualTo(201);
        assertThat(app.api("POST", "/api/opt-outs", TOKEN, "{\"phone\":\"" + manual + "\"}").statusCode()).isEqualTo(200);
        assertThat(find(get("/api/opt-outs"), manual).get("reason").isNull()).isTrue();
    }

    @Test
    void aStaleOptInDoesNotUndoANewerOptOut() throws Exception {
        String phone = newPhone();
        Instant now = Instant.now();
        send(sinch(sinchInbound(phone, "order-out-" + System.nanoTime(), now.minusSeconds(10), "BAJA")));
        send(sinch(sinchInbound(phone, "order-in-" + System.nanoTime(), now.minusSeconds(20), "START"))); // older, arrives later
        assertThat(get("/api/contacts/" + phone + "/window").get("optedOut").asBoolean()).isTrue();
        send(sinch(sinchInbound(phone, "order-in2-" + System.nanoTime(), now.minusSeconds(5), "start")));
        assertThat(get("/api/contacts/" + phone + "/window").get("optedOut").asBoolean()).isFalse();
    }

    static JsonNode find(JsonNode list, String phone) {
        for (JsonNode e : list.get("optOuts")) {
            if (e.get("phone").asText().equals(phone)) {
                return e;
            }
        }
        throw new AssertionError(phone + " not in " + list);
    }
}
