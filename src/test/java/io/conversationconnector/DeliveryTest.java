package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.standardwebhooks.Webhook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Delivery to a real stub CRM on 127.0.0.1: Standard Webhooks signatures verified with the reference library,
 * webhook-id stable across retries, Retry-After honoured, 4xx and 410 dead-lettered (410 disables), network
 * errors retried until the schedule is exhausted, every attempt recorded, nothing of the inbound request leaks.
 */
class DeliveryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, String> SECRETS = new HashMap<>();
    static StubCrm crm;
    static ConnectorHarness app;

    static String secret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    @BeforeAll
    static void boot() throws Exception {
        crm = new StubCrm();
        for (String id : List.of("crm-ok", "crm-flaky", "crm-gone", "crm-reject", "crm-down", "crm-replay", "crm-pause", "crm-broken", "crm-ticket", "crm-ordered", "crm-rated", "crm-maintenance")) {
            SECRETS.put(id, secret());
        }
        int closedPort = ConnectorHarness.freePort();
        Path config = ConnectorHarness.testDir("delivery-config");
        Files.createDirectories(config);
        Files.copy(Path.of("src/test/resources/test-config/sources.yaml"), config.resolve("sources.yaml"));
        Files.createDirectories(config.resolve("mappings"));
        Files.copy(Path.of("config/mappings/crm-ticket.jsonata"), config.resolve("mappings/crm-ticket.jsonata"));
        Files.writeString(config.resolve("subscriptions.yaml"), """
                subscriptions:
                  - id: crm-ok
                    url: %s
                    events: ["*"]
                    filters: { source: rasayel-test }
                    secret: %s
                    headers: { X-Api-Key: crm-key-123 }
                  - id: crm-flaky
                    url: %s
                    events: [message.inbound]
                    filters: { source: sinch-test }
                    secret: %s
                    retrySchedule: [0s, 200ms, 200ms, 200ms]
                  - id: crm-gone
                    url: %s
                    events: [conversation.closed]
                    filters: { source: sinch-test }
                    secret: %s
                  - id: crm-reject
                    url: %s
                    events: [contact.created]
                    filters: { source: sinch-test }
                    secret: %s
                  - id: crm-down
                    url: http://127.0.0.1:%d/hooks
                    events: [conversation.opened]
                    filters: { source: sinch-test }
                    secret: %s
                    retrySchedule: [0s, 100ms]
                    timeout: 2s
                  - id: crm-replay
                    url: %s
                    events: [contact.deleted]
                    filters: { source: sinch-test }
                    secret: %s
                  - id: crm-pause
                    url: %s
                    events: [contact.merged]
                    filters: { source: sinch-test }
                    secret: %s
                  - id: crm-broken
                    url: %s
                    events: [contact.updated]
                    filters: { source: sinch-test }
                    secret: %s
                    retrySchedule: [0s, 300ms, 300ms, 300ms, 300ms, 300ms, 300ms, 300ms, 300ms, 300ms, 300ms, 300ms]
                    disableAfter: 2s
                  - id: crm-ticket
                    url: %s
                    events: [conversation.opened]
                    secret: %s
                    mapping: mappings/crm-ticket.jsonata
                  - id: crm-ordered
                    url: %s
                    events: [message.delivered]
                    filters: { source: sinch-test }
                    secret: %s
                    ordered: true
                    retrySchedule: [0s, 1s, 1s]
                  - id: crm-rated
                    url: %s
                    events: [conversation.deleted]
                    filters: { source: bird-test }
                    secret: %s
                    maxRatePerSecond: 4
                  - id: crm-maintenance
                    url: %s
                    events: [contact.opted_in]
                    filters: { source: sinch-test }
                    secret: %s
                """.formatted(crm.url("/ok"), SECRETS.get("crm-ok"), crm.url("/flaky"), SECRETS.get("crm-flaky"),
                crm.url("/gone"), SECRETS.get("crm-gone"), crm.url("/reject"), SECRETS.get("crm-reject"),
                closedPort, SECRETS.get("crm-down"), crm.url("/replay"), SECRETS.get("crm-replay"),
                crm.url("/pause"), SECRETS.get("crm-pause"), crm.url("/broken"), SECRETS.get("crm-broken"), crm.url("/ticket"), SECRETS.get("crm-ticket"),
                crm.url("/ordered"), SECRETS.get("crm-ordered"), crm.url("/rated"), SECRETS.get("crm-rated"),
                crm.url("/maintenance"), SECRETS.get("crm-maintenance")));
        crm.script("/flaky", StubCrm.Response.of(500), new StubCrm.Response(429, Map.of("Retry-After", "1"), "slow down"),
                StubCrm.Response.of(200));
        crm.script("/gone", StubCrm.Response.of(410));
        // A NUL in the answer (PostgreSQL text cannot hold one) must not stop its outcome from being stored.
        crm.script("/reject", new StubCrm.Response(400, Map.of(), "{\"error\":\"unknown\u0000field\"}"));
        crm.script("/replay", new StubCrm.Response(422, Map.of(), "missing field"), StubCrm.Response.of(200));
        crm.script("/pause", StubCrm.Response.of(410), StubCrm.Response.of(200));
        crm.script("/broken", StubCrm.Response.of(503));
        crm.script("/ordered", StubCrm.Response.of(503), StubCrm.Response.of(200));
        app = ConnectorHarness.start(Map.of("connector.config-dir", config.toString(), "connector.delivery.poll-ms", "50"));
    }

    @AfterAll
    static void stop() throws Exception {
        app.close();
        crm.close();
    }

    static String post(Webhooks.Request r) throws Exception {
        var resp = app.post(r.path(), r.headers(), r.body());
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(202);
        return JSON.readTree(resp.body()).get("id").asText();
    }

    static Map<String, Object> outbox(String eventId, String subscription) {
        return app.jdbi().withHandle(h -> h.createQuery("SELECT state, attempts, last_status, last_error FROM outbox WHERE event_id = :e AND subscription_id = :s")
                .bind("e", eventId).bind("s", subscription).mapToMap().findOne().orElse(Map.of()));
    }

    static List<Map<String, Object>> attempts(String eventId, String subscription) {
        return app.jdbi().withHandle(h -> h.createQuery("""
                        SELECT a.attempt, a.status_code, a.outcome, a.error FROM delivery_attempt a JOIN outbox o ON o.id = a.outbox_id
                        WHERE o.event_id = :e AND o.subscription_id = :s ORDER BY a.attempt""")
                .bind("e", eventId).bind("s", subscription).mapToMap().list());
    }

    static void verified(StubCrm.Received r, String subscription) throws Exception {
        new Webhook(SECRETS.get(subscription)).verify(r.body(), r.headers()); // throws when the signature is wrong
    }

    @Test
    void deliversSignedCanonicalEventsWithTheirStaticHeadersAndNothingOfTheInboundRequest() throws Exception {
        String id = post(Webhooks.rasayel(Webhooks.fixture("rasayel/conversation.closed.json")));
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(outbox(id, "crm-ok").get("state")));
        StubCrm.Received r = crm.received("/ok").stream().filter(x -> id.equals(x.header("webhook-id"))).findFirst().orElseThrow();
        verified(r, "crm-ok");
        assertThat(r.header("content-type")).startsWith("application/json");
        assertThat(r.header("X-Api-Key")).isEqualTo("crm-key-123");
        assertThat(r.header("webhook-signature")).startsWith("v1,");
        assertThat(r.headers().keySet()).noneMatch(k -> k.equalsIgnoreCase("segment") || k.equalsIgnoreCase("source")
                || k.toLowerCase().startsWith("camel") || k.equalsIgnoreCase("authorization"));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("type").asText()).isEqualTo("conversation.closed");
        assertThat(body.get("data").get("id").asText()).isEqualTo(id);
        assertThat(body.get("data").get("raw").get("event").asText()).isEqualTo("conversation.closed");
        assertThat(attempts(id, "crm-ok")).singleElement().satisfies(a -> assertThat(a.get("outcome")).isEqualTo("delivered"));
    }

    @Test
    void retriesServerErrorsAndRateLimitsWithTheSameWebhookIdHonouringRetryAfter() throws Exception {
        ObjectNode inbound = (ObjectNode) JSON.readTree(Webhooks.fixture("sinch/message_inbound.json"));
        ((ObjectNode) inbound.get("message")).put("id", "delivery-flaky-" + System.nanoTime());
        String id = post(Webhooks.sinch(JSON.writeValueAsBytes(inbound)));
        await().atMost(Duration.ofSeconds(15)).until(() -> "delivered".equals(outbox(id, "crm-flaky").get("state")));
        List<StubCrm.Received> calls = crm.received("/flaky").stream().filter(x -> id.equals(x.header("webhook-id"))).toList();
        assertThat(calls).hasSize(3);
        for (StubCrm.Received c : calls) {
            verified(c, "crm-flaky");
        }
        assertThat(attempts(id, "crm-flaky")).extracting(a -> a.get("status_code") + "/" + a.get("outcome"))
                .containsExactly("500/retry", "429/retry", "200/delivered");
        // Retry-After: 1 held the third attempt back at least a second after the second (schedule said 200 ms).
        long second = Long.parseLong(calls.get(1).header("webhook-timestamp"));
        long third = Long.parseLong(calls.get(2).header("webhook-timestamp"));
        assertThat(third - second).isGreaterThanOrEqualTo(1);
        // The admin API shows every attempt of the event.
        JsonNode event = JSON.readTree(app.api("GET", "/api/events/" + id, ConnectorHarness.ADMIN_TOKEN, null).body());
        JsonNode delivery = event.get("deliveries").get(0);
        assertThat(delivery.get("subscription").asText()).isEqualTo("crm-flaky");
        assertThat(delivery.get("state").asText()).isEqualTo("delivered");
        assertThat(delivery.get("attemptLog")).hasSize(3);
        assertThat(delivery.get("attemptLog").get(1).get("statusCode").asInt()).isEqualTo(429);
    }

    @Test
    void clientErrorsAreDeadLettersAnd410DisablesTheSubscriptionButKeepsQueueing() throws Exception {
        String rejected = post(Webhooks.sinch(JSON.writeValueAsBytes(withId("sinch/contact_create.json", "contact_create_notification", "contact", "dl-" + System.nanoTime()))));
        await().atMost(Duration.ofSeconds(10)).until(() -> "dead".equals(outbox(rejected, "crm-reject").get("state")));
        assertThat(outbox(rejected, "crm-reject").get("last_error").toString()).contains("unknown field");
        assertThat(attempts(rejected, "crm-reject")).hasSize(1);

        String gone = post(Webhooks.sinch(JSON.writeValueAsBytes(withId("sinch/conversation_stop.json", "conversation_stop_notification", "conversation", "gone-" + System.nanoTime()))));
        await().atMost(Duration.ofSeconds(10)).until(() -> "dead".equals(outbox(gone, "crm-gone").get("state")));
        assertThat(outbox(gone, "crm-gone").get("last_status")).isEqualTo(410);
        boolean enabled = app.jdbi().withHandle(h -> h.createQuery("SELECT enabled FROM subscription_state WHERE id = 'crm-gone'").mapTo(Boolean.class).one());
        assertThat(enabled).isFalse();
        // While disabled, matching events still queue; nothing is sent.
        int callsBefore = crm.received("/gone").size();
        String queued = post(Webhooks.sinch(JSON.writeValueAsBytes(withId("sinch/conversation_stop.json", "conversation_stop_notification", "conversation", "gone2-" + System.nanoTime()))));
        Thread.sleep(500);
        assertThat(outbox(queued, "crm-gone").get("state")).isEqualTo("pending");
        assertThat(crm.received("/gone")).hasSize(callsBefore);
    }

    @Test
    void networkErrorsAreRetriedUntilTheScheduleIsExhausted() throws Exception {
        String id = post(Webhooks.sinch(JSON.writeValueAsBytes(withId("sinch/conversation_start.json", "conversation_start_notification", "conversation", "down-" + System.nanoTime()))));
        await().atMost(Duration.ofSeconds(15)).until(() -> "dead".equals(outbox(id, "crm-down").get("state")));
        List<Map<String, Object>> tries = attempts(id, "crm-down");
        assertThat(tries).extracting(a -> a.get("outcome")).containsExactly("retry", "dead");
        assertThat(tries).allSatisfy(a -> assertThat(a.get("status_code")).isNull());
        assertThat(outbox(id, "crm-down").get("last_error").toString()).contains("retries exhausted after 2 attempts");
    }

    @Test
    void deadLettersAreListedAndReplayedAndADisabledSubscriptionDeliversItsQueueWhenReEnabled() throws Exception {
        String token = ConnectorHarness.ADMIN_TOKEN;
        String dead = post(Webhooks.sinch(JSON.writeValueAsBytes(withId("sinch/contact_delete.json", "contact_delete_notification", "contact", "rp-" + System.nanoTime()))));
        await().atMost(Duration.ofSeconds(10)).until(() -> "dead".equals(outbox(dead, "crm-replay").get("state")));
        JsonNode list = JSON.readTree(app.api("GET", "/api/dead-letters?subscription=crm-replay", token, null).body());
        JsonNode letter = list.get("deadLetters").get(0);
        assertThat(letter.get("eventId").asText()).isEqualTo(dead);
        assertThat(letter.get("reason").asText()).contains("422").contains("missing field");
        assertThat(app.api("POST", "/api/dead-letters/" + letter.get("id").asText() + "/replay", token, null).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(outbox(dead, "crm-replay").get("state")));
        assertThat(attempts(dead, "crm-replay")).extracting(a -> a.get("attempt") + "/" + a.get("outcome")).containsExactly("1/dead", "2/delivered");
        assertThat(app.api("POST", "/api/dead-letters/" + letter.get("id").asText() + "/replay", token, null).statusCode())
                .as("a delivered one is no dead letter").isEqualTo(404);

        // 410 disables crm-pause; the next matching event waits; enabling delivers it; a bulk replay brings the first back.
        String first = post(Webhooks.sinch(JSON.writeValueAsBytes(merge("p1-" + System.nanoTime()))));
        await().atMost(Duration.ofSeconds(10)).until(() -> "dead".equals(outbox(first, "crm-pause").get("state")));
        String second = post(Webhooks.sinch(JSON.writeValueAsBytes(merge("p2-" + System.nanoTime()))));
        JsonNode subs = JSON.readTree(app.api("GET", "/api/subscriptions", token, null).body());
        JsonNode pause = null;
        for (JsonNode sub : subs.get("subscriptions")) {
            if (sub.get("id").asText().equals("crm-pause")) {
                pause = sub;
            }
        }
        assertThat(pause).isNotNull();
        assertThat(pause.get("enabled").asBoolean()).isFalse();
        assertThat(pause.get("disabledReason").asText()).contains("410");
        assertThat(pause.get("backlog").asLong()).isEqualTo(1);
        assertThat(pause.get("deadLetters").asLong()).isEqualTo(1);
        assertThat(app.api("POST", "/api/subscriptions/crm-pause/enable", token, null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(outbox(second, "crm-pause").get("state")));
        JsonNode replayed = JSON.readTree(app.api("POST", "/api/dead-letters/replay", token, "{\"subscription\":\"crm-pause\"}").body());
        assertThat(replayed.get("replayed").asInt()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(outbox(first, "crm-pause").get("state")));
        assertThat(app.api("POST", "/api/subscriptions/no-such/enable", token, null).statusCode()).isEqualTo(404);
        assertThat(app.api("POST", "/api/dead-letters/replay", token, "{\"subscription\":\"no-such\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void aSubscriptionFailingContinuouslyLongerThanDisableAfterIsDisabledAndItsEventWaits() throws Exception {
        String id = post(Webhooks.sinch(JSON.writeValueAsBytes(withId("sinch/contact_update.json", "contact_update_notification", "contact", "br-" + System.nanoTime()))));
        await().atMost(Duration.ofSeconds(15)).until(() -> app.jdbi().withHandle(h -> h.createQuery(
                "SELECT NOT enabled FROM subscription_state WHERE id = 'crm-broken'").mapTo(Boolean.class).one()));
        String reason = app.jdbi().withHandle(h -> h.createQuery("SELECT disabled_reason FROM subscription_state WHERE id = 'crm-broken'")
                .mapTo(String.class).one());
        assertThat(reason).startsWith("failing continuously since ");
        int calls = crm.received("/broken").size();
        assertThat(calls).isGreaterThanOrEqualTo(3);
        Thread.sleep(800);
        assertThat(crm.received("/broken")).as("no more attempts while disabled").hasSize(calls);
        assertThat(outbox(id, "crm-broken").get("state")).isEqualTo("retrying");

        // Re-enabled, it gets a fresh disableAfter: the next failure (still 503) does not disable it again at once.
        assertThat(app.api("POST", "/api/subscriptions/crm-broken/enable", ConnectorHarness.ADMIN_TOKEN, null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> crm.received("/broken").size() > calls);
        Thread.sleep(300);
        boolean stillEnabled = app.jdbi().withHandle(h -> h.createQuery("SELECT enabled FROM subscription_state WHERE id = 'crm-broken'")
                .mapTo(Boolean.class).one());
        assertThat(stillEnabled).as("enabled after a failure right after re-enabling").isTrue();
    }

    @Test
    void aMappingTemplateShapesTheBodyAndATemplateFailureIsADeadLetter() throws Exception {
        ObjectNode created = (ObjectNode) JSON.readTree(Webhooks.fixture("rasayel/conversation.created.json"));
        created.put("id", "a1b2c3d4-0000-4000-8000-" + String.format("%012d", System.nanoTime() % 1_000_000_000_000L));
        String withPhone = post(Webhooks.rasayel(JSON.writeValueAsBytes(created)));
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(outbox(withPhone, "crm-ticket").get("state")));
        StubCrm.Received r = crm.received("/ticket").stream().filter(x -> withPhone.equals(x.header("webhook-id"))).findFirst().orElseThrow();
        verified(r, "crm-ticket"); // the signature covers the mapped body
        JsonNode ticket = JSON.readTree(r.body()).get("ticket");
        assertThat(ticket.get("requester").get("phone").asText()).isEqualTo("+971501234567");
        assertThat(ticket.get("status").asText()).isEqualTo("open");
        assertThat(ticket.get("subject").asText()).isEqualTo("WhatsApp conversation.opened - Aisha Khan");

        // A Sinch conversation start has no phone: the template refuses it, the delivery is a dead letter, nothing is sent.
        String noPhone = post(Webhooks.sinch(JSON.writeValueAsBytes(withId("sinch/conversation_start.json", "conversation_start_notification", "conversation", "tk-" + System.nanoTime()))));
        await().atMost(Duration.ofSeconds(10)).until(() -> "dead".equals(outbox(noPhone, "crm-ticket").get("state")));
        assertThat(outbox(noPhone, "crm-ticket").get("last_error").toString()).startsWith("mapping failed: ").contains("no contact phone");
        assertThat(crm.received("/ticket")).noneMatch(x -> noPhone.equals(x.header("webhook-id")));
    }

    @Test
    void anOrderedSubscriptionDeliversEachConversationOneEventAtATimeWithoutHoldingUpOtherConversations() throws Exception {
        String a = "ordered-a-" + System.nanoTime();
        String b = "ordered-b-" + System.nanoTime();
        // The first event of conversation a meets a 503 and waits a second for its retry; a's later events wait behind
        // it, b's event does not.
        String a1 = post(Webhooks.sinch(JSON.writeValueAsBytes(deliveryReport(a, "a1"))));
        await().atMost(Duration.ofSeconds(10)).until(() -> "retrying".equals(outbox(a1, "crm-ordered").get("state")));
        String a2 = post(Webhooks.sinch(JSON.writeValueAsBytes(deliveryReport(a, "a2"))));
        String a3 = post(Webhooks.sinch(JSON.writeValueAsBytes(deliveryReport(a, "a3"))));
        String b1 = post(Webhooks.sinch(JSON.writeValueAsBytes(deliveryReport(b, "b1"))));
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(outbox(b1, "crm-ordered").get("state")));
        assertThat(outbox(a1, "crm-ordered").get("state")).as("b went out while a's first event waited for its retry").isEqualTo("retrying");
        assertThat(outbox(a2, "crm-ordered").get("attempts")).as("a2 waits behind a1").isEqualTo(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(outbox(a3, "crm-ordered").get("state")));
        List<String> arrivals = crm.received("/ordered").stream().map(r -> r.header("webhook-id"))
                .filter(id -> List.of(a1, a2, a3).contains(id)).toList();
        assertThat(arrivals).containsExactly(a1, a1, a2, a3);
        List<Map<String, Object>> firstTries = attempts(a1, "crm-ordered");
        assertThat(firstTries).extracting(t -> t.get("outcome")).containsExactly("retry", "delivered");
    }

    @Test
    void aRateLimitedSubscriptionReceivesNoMoreThanItsRate() throws Exception {
        int events = 12;
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < events; i++) {
            var body = WebhookIngestTest.uniqueBird("rated-" + i + "-" + System.nanoTime());
            ids.add(post(Webhooks.bird(body)));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream().allMatch(id -> "delivered".equals(outbox(id, "crm-rated").get("state"))));
        List<java.time.Instant> times = crm.received("/rated").stream().filter(r -> ids.contains(r.header("webhook-id")))
                .map(StubCrm.Received::at).sorted().toList();
        assertThat(times).hasSize(events);
        // 4/s with a one-second burst: the k-th delivery (0-based) comes no earlier than (k - 4) / 4 s after the first.
        for (int k = 4; k < events; k++) {
            long earliestMillis = (k - 4) * 250L - 50; // 50 ms for the clocks of two threads
            assertThat(Duration.between(times.get(0), times.get(k)).toMillis()).as("delivery %d", k).isGreaterThanOrEqualTo(earliestMillis);
        }
        assertThat(Duration.between(times.get(0), times.get(events - 1))).isGreaterThanOrEqualTo(Duration.ofMillis(1950));
    }

    @Test
    void anOperatorPausesASubscriptionAndItsEventsWaitUntilItIsEnabled() throws Exception {
        String token = ConnectorHarness.ADMIN_TOKEN;
        var paused = app.api("POST", "/api/subscriptions/crm-maintenance/disable", token, "{\"reason\":\"CRM maintenance until 14:00\"}");
        assertThat(paused.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(paused.body()).get("disabledReason").asText()).isEqualTo("CRM maintenance until 14:00");
        ObjectNode optIn = (ObjectNode) JSON.readTree(Webhooks.fixture("sinch/opt_in_succeeded.json"));
        ((ObjectNode) optIn.get("opt_in_notification")).put("request_id", "mt-" + System.nanoTime());
        String id = post(Webhooks.sinch(JSON.writeValueAsBytes(optIn)));
        Thread.sleep(500);
        assertThat(outbox(id, "crm-maintenance").get("state")).isEqualTo("pending");
        assertThat(crm.received("/maintenance")).isEmpty();
        JsonNode subs = JSON.readTree(app.api("GET", "/api/subscriptions", token, null).body());
        JsonNode maintenance = null;
        for (JsonNode sub : subs.get("subscriptions")) {
            if (sub.get("id").asText().equals("crm-maintenance")) {
                maintenance = sub;
            }
        }
        assertThat(maintenance.get("enabled").asBoolean()).isFalse();
        assertThat(maintenance.get("disabledReason").asText()).isEqualTo("CRM maintenance until 14:00");
        assertThat(maintenance.get("backlog").asLong()).isEqualTo(1);

        assertThat(app.api("POST", "/api/subscriptions/crm-maintenance/enable", token, null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(outbox(id, "crm-maintenance").get("state")));
        assertThat(crm.received("/maintenance")).singleElement().satisfies(r -> assertThat(r.header("webhook-id")).isEqualTo(id));

        assertThat(app.api("POST", "/api/subscriptions/no-such/disable", token, null).statusCode()).isEqualTo(404);
        assertThat(app.api("POST", "/api/subscriptions/crm-maintenance/disable", token, "{not json").statusCode()).isEqualTo(400);
        assertThat(app.api("POST", "/api/subscriptions/crm-maintenance/disable", token, "{\"reason\":\"\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void aDeliverySettingBelowOneStopsStartUpNamingTheKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConnectorHarness.start(Map.of("connector.delivery.in-flight", "0")).close())
                .hasStackTraceContaining("application.properties: connector.delivery.in-flight: must be at least 1, not 0");
    }

    /** An outcome PostgreSQL refuses (here a NUL in its error text) must not hold the outcomes stored with it back. */
    @Test
    void anOutcomeTheDatabaseRefusesDoesNotHoldBackTheOthers() throws Exception {
        var jdbi = app.jdbi();
        java.time.Instant now = app.clock.instant();
        // Rows of a subscription that is not configured: the running claim loop never takes them.
        List<Long> ids = jdbi.withHandle(h -> {
            h.execute("INSERT INTO subscription_state (id, enabled, updated_at) VALUES ('outcome-probe', true, now()) ON CONFLICT DO NOTHING");
            return java.util.stream.IntStream.range(0, 3).mapToObj(i -> h.createQuery("""
                    INSERT INTO outbox (event_id, subscription_id, state, attempts, next_attempt_at, created_at)
                    VALUES (:event, 'outcome-probe', 'pending', 1, now(), now()) RETURNING id""")
                    .bind("event", "evt_outcome_probe_" + i + "_" + System.nanoTime()).mapTo(Long.class).one()).toList();
        });
        java.util.concurrent.atomic.AtomicInteger released = new java.util.concurrent.atomic.AtomicInteger();
        var store = new io.conversationconnector.storage.DeliveryStore(jdbi);
        try (var writer = new io.conversationconnector.delivery.OutcomeWriter(store, Map.of(), app.clock, released::addAndGet)) {
            for (int i = 0; i < 3; i++) {
                writer.add(new io.conversationconnector.storage.DeliveryStore.Result(ids.get(i), 1, now, 400, 5, "dead", "dead",
                        null, i == 1 ? "bad\u0000answer" : "rejected " + i, null, "outcome-probe"));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> released.get() == 3);
        }
        List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery(
                "SELECT id, state, last_error FROM outbox WHERE id IN (<ids>) ORDER BY id").bindList("ids", ids).mapToMap().list());
        assertThat(rows).extracting(r -> r.get("state")).containsExactly("dead", "dead", "dead");
        assertThat(rows).extracting(r -> r.get("last_error"))
                .containsExactly("rejected 0", "the outcome's error text could not be stored", "rejected 2");
        int attempts = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM delivery_attempt WHERE outbox_id IN (<ids>)")
                .bindList("ids", ids).mapTo(Integer.class).one());
        assertThat(attempts).isEqualTo(3);
    }

    static ObjectNode deliveryReport(String conversationId, String messageId) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(Webhooks.fixture("sinch/delivery_delivered_pricing_string.json"));
        ((ObjectNode) n.get("message_delivery_report")).put("conversation_id", conversationId).put("message_id", messageId + "-" + conversationId);
        return n;
    }

    static ObjectNode merge(String preservedId) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(Webhooks.fixture("sinch/contact_merge.json"));
        ((ObjectNode) n.get("contact_merge_notification").get("preserved_contact")).put("id", preservedId);
        return n;
    }

    static ObjectNode withId(String fixture, String payloadKey, String objectKey, String newId) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(Webhooks.fixture(fixture));
        ((ObjectNode) n.get(payloadKey).get(objectKey)).put("id", newId);
        return n;
    }
}
