package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import io.conversationconnector.canonical.EventIds;
import io.conversationconnector.sweep.Sweeps;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The sweeps with a controlled clock: inactivity close exactly at the timeout, once, delivered to the CRM; a
 * message racing a sweep keeps its conversation open; a re-opened conversation closes again; window notices
 * once per window, never for a window an inbound message extended; retention keeps what is still undelivered.
 * Sweeps are started through the admin API (the harness's Quartz triggers never fire on their own).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SweepTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = ConnectorHarness.ADMIN_TOKEN;
    static final Duration TIMEOUT = Duration.ofMinutes(30);
    static StubCrm crm;
    static ConnectorHarness app;
    static String secret;
    /** Armed by the race test: the inactivity sweep waits between finding and committing. */
    static volatile CountDownLatch sweepFound;
    static volatile CountDownLatch letSweepCommit;

    @BeforeAll
    static void boot() throws Exception {
        crm = new StubCrm();
        secret = DeliveryTest.secret();
        Path config = Files.createDirectories(Path.of("target", "test-data", "sweep-config-" + System.nanoTime()));
        Files.writeString(config.resolve("sources.yaml"), testSourcesWithInactivityTimeout("30m"));
        Files.writeString(config.resolve("subscriptions.yaml"), """
                subscriptions:
                  - id: crm-sweeps
                    url: %s
                    events: [conversation.closed, window.expiring, window.expired]
                    filters: { source: treble-test }
                    secret: %s
                  - id: crm-sweeps-sinch
                    url: %s
                    events: [window.expiring, window.expired]
                    filters: { source: sinch-test }
                    secret: %s
                  - id: crm-down
                    url: http://127.0.0.1:%d/down
                    events: [message.delivered]
                    filters: { source: treble-test }
                    secret: %s
                    retrySchedule: [0s, 1h]
                    timeout: 1s
                """.formatted(crm.url("/sweeps"), secret, crm.url("/sweeps"), secret, ConnectorHarness.freePort(), secret));
        app = ConnectorHarness.start(Map.of("connector.config-dir", config.toString(), "connector.delivery.poll-ms", "50"));
        AdviceWith.adviceWith(app.context(), "commit-sweep-batches", a -> a.weaveById("commit-sweep-batch").before().process(e -> {
            CountDownLatch found = sweepFound;
            CountDownLatch go = letSweepCommit;
            boolean inactivity = "inactivity".equals(e.getProperty(Sweeps.RUN, Sweeps.Run.class).sweep());
            if (found != null && go != null && inactivity) {
                found.countDown();
                assertThat(go.await(20, TimeUnit.SECONDS)).isTrue();
            }
        }));
    }

    /** The test sources, with an inactivityTimeout on treble-test. */
    static String testSourcesWithInactivityTimeout(String timeout) throws java.io.IOException {
        String sources = Files.readString(Path.of("src/test/resources/test-config/sources.yaml"))
                .replace("    timeZone: America/Bogota\n", "    timeZone: America/Bogota\n    inactivityTimeout: " + timeout + "\n");
        assertThat(sources).contains("inactivityTimeout: " + timeout);
        return sources;
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (crm != null) {
            crm.close();
        }
    }

    @AfterEach
    void realTime() {
        app.clock.release();
    }

    /**
     * Runs a sweep and waits until what it enqueued for the CRM is delivered and stored. The tests move the pinned
     * clock by hours between runs: a delivery still in flight then would outlive its lease and go out a second time
     * (same webhook-id, as at-least-once allows), which is not what these tests are about.
     */
    static JsonNode runSweep(String name) throws Exception {
        HttpResponse<String> r = app.api("POST", "/api/sweeps/" + name + "/run", TOKEN, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> app.jdbi().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM outbox WHERE subscription_id IN ('crm-sweeps', 'crm-sweeps-sinch') AND state IN ('pending', 'retrying')")
                .mapTo(Long.class).one()) == 0);
        return JSON.readTree(r.body());
    }

    /** A Treble inbound message ("response") in session from phone at the given time (Treble sends whole seconds). */
    static void inbound(String session, String phone, Instant at) throws Exception {
        assertThat(post(ConversationStateTest.trebleResponse(session, phone, at, "hola")).statusCode()).isEqualTo(202);
    }

    static HttpResponse<String> post(Webhooks.Request r) throws Exception {
        return app.post(r.path(), r.headers(), r.body());
    }

    static Map<String, Object> conversation(String session) {
        return app.jdbi().withHandle(h -> h.createQuery("""
                        SELECT status, closure_reason, closed_at FROM conversation WHERE source = 'treble-test' AND provider_conversation_id = :s""")
                .bind("s", session).mapToMap().one());
    }

    /** The events the CRM received (signature verified) of one type about one conversation or phone. */
    static List<JsonNode> received(String type, String conversationOrPhone) throws Exception {
        Webhook verifier = new Webhook(secret);
        List<JsonNode> out = new java.util.ArrayList<>();
        for (StubCrm.Received r : crm.received("/sweeps")) {
            // The connector signs at its (pinned, days-old) time: check the signature at the timestamp it carries.
            long timestamp = Long.parseLong(r.header("webhook-timestamp"));
            assertThat(r.header("webhook-signature").split(" "))
                    .contains(verifier.sign(r.header("webhook-id"), timestamp, r.body()));
            JsonNode data = JSON.readTree(r.body()).get("data");
            String conversation = data.path("conversation").path("id").asText(null);
            String phone = data.path("contact").path("phone").asText(null);
            if (type.equals(data.get("type").asText()) && (conversationOrPhone.equals(conversation) || conversationOrPhone.equals(phone))) {
                out.add(data);
            }
        }
        return out;
    }

    static Instant start() {
        return Instant.now().minus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    }

    static String newPhone() {
        return ConversationStateTest.newPhone();
    }

    @Test
    @Order(1)
    void anIdleConversationClosesExactlyAtItsTimeoutOnceAndTheCrmHearsIt() throws Exception {
        Instant t0 = start();
        String session = "idle-" + System.nanoTime();
        inbound(session, newPhone(), t0);

        app.clock.pin(t0.plus(TIMEOUT).minusMillis(1));
        runSweep("inactivity");
        assertThat(conversation(session).get("status")).isEqualTo("open");

        app.clock.pin(t0.plus(TIMEOUT));
        JsonNode run = runSweep("inactivity");
        assertThat(run.get("recorded").asInt()).isGreaterThanOrEqualTo(1);
        Map<String, Object> closed = conversation(session);
        assertThat(closed.get("status")).isEqualTo("closed");
        assertThat(closed.get("closure_reason")).isEqualTo("inactivity");

        await().atMost(Duration.ofSeconds(10)).until(() -> received("conversation.closed", session).size() == 1);
        JsonNode event = received("conversation.closed", session).get(0);
        assertThat(event.get("closure").get("reason").asText()).isEqualTo("inactivity");
        assertThat(Instant.parse(event.get("closure").get("closedAt").asText())).isEqualTo(t0.plus(TIMEOUT));
        assertThat(event.get("conversation").get("status").asText()).isEqualTo("closed");
        assertThat(event.get("source").asText()).isEqualTo("treble-test");
        assertThat(event.get("raw").get("generatedBy").asText()).isEqualTo("inactivity-sweep");

        // Later and repeated runs close nothing twice.
        app.clock.pin(t0.plus(TIMEOUT).plusSeconds(90));
        runSweep("inactivity");
        runSweep("inactivity");
        Thread.sleep(300);
        assertThat(received("conversation.closed", session)).hasSize(1);
        assertThat(count("SELECT count(*) FROM inbox_event WHERE source = 'treble-test' AND type = 'conversation.closed' AND conversation_id = '"
                + session + "'")).isEqualTo(1);
    }

    @Test
    @Order(2)
    void aMessageStoredWhileTheSweepRunsKeepsItsConversationOpen() throws Exception {
        Instant t0 = start();
        String session = "race-" + System.nanoTime();
        String phone = newPhone();
        inbound(session, phone, t0);
        Instant sweepAt = t0.plus(TIMEOUT).plusSeconds(5);
        app.clock.pin(sweepAt);
        sweepFound = new CountDownLatch(1);
        letSweepCommit = new CountDownLatch(1);
        try {
            CompletableFuture<JsonNode> sweep = CompletableFuture.supplyAsync(() -> {
                try {
                    return runSweep("inactivity");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // The sweep has found the conversation idle; the customer writes before it commits.
            assertThat(sweepFound.await(20, TimeUnit.SECONDS)).isTrue();
            inbound(session, phone, sweepAt.minusSeconds(1));
            letSweepCommit.countDown();
            sweep.get(20, TimeUnit.SECONDS);
        } finally {
            sweepFound = null;
            letSweepCommit = null;
        }
        assertThat(conversation(session).get("status")).isEqualTo("open");
        Thread.sleep(300);
        assertThat(received("conversation.closed", session)).isEmpty();

        // Idle again from the new message on: closed a timeout after it.
        app.clock.pin(sweepAt.minusSeconds(1).plus(TIMEOUT));
        runSweep("inactivity");
        assertThat(conversation(session).get("status")).isEqualTo("closed");
    }

    @Test
    @Order(3)
    void aReopenedConversationIsClosedAgainAfterItsNewIdlePeriod() throws Exception {
        Instant t0 = start();
        String session = "reopen-" + System.nanoTime();
        String phone = newPhone();
        inbound(session, phone, t0);
        app.clock.pin(t0.plus(TIMEOUT));
        runSweep("inactivity");
        assertThat(conversation(session).get("status")).isEqualTo("closed");

        // The customer writes again: the conversation re-opens (a message newer than the close wins).
        Instant t1 = t0.plus(TIMEOUT).plusSeconds(600);
        inbound(session, phone, t1);
        assertThat(conversation(session).get("status")).isEqualTo("open");
        app.clock.pin(t1.plus(TIMEOUT).minusSeconds(1));
        runSweep("inactivity");
        assertThat(conversation(session).get("status")).isEqualTo("open");
        app.clock.pin(t1.plus(TIMEOUT));
        runSweep("inactivity");
        assertThat(conversation(session).get("status")).isEqualTo("closed");

        await().atMost(Duration.ofSeconds(10)).until(() -> received("conversation.closed", session).size() == 2);
        assertThat(received("conversation.closed", session)).extracting(e -> Instant.parse(e.get("closure").get("closedAt").asText()))
                .containsExactlyInAnyOrder(t0.plus(TIMEOUT), t1.plus(TIMEOUT));
    }

    /**
     * A close is inserted without ON CONFLICT (its guard proves its key new). Should the key be stored all the same,
     * the batch is done again the ordinary way: the other closes of the batch go through, nothing is stored twice.
     */
    @Test
    @Order(4)
    void aCloseWhoseEventIsStoredAlreadyDoesNotHoldUpTheRestOfItsBatch() throws Exception {
        LogCapture log = LogCapture.install();
        Instant t0 = start();
        String stored = "stored-" + System.nanoTime();
        String other = "other-" + System.nanoTime();
        inbound(stored, newPhone(), t0);
        inbound(other, newPhone(), t0);
        // The key the close of `stored`'s idle period would have, taken already: a copy of its inbound event.
        String key = EventIds.GENERATED_KEY_PREFIX + "inactivity:" + stored + ":" + t0.toEpochMilli();
        app.jdbi().useHandle(h -> h.createUpdate("""
                        INSERT INTO inbox_event (id, source, provider, provider_event_id, type, branch, occurred_at, received_at,
                                                 conversation_id, contact_phone, canonical, raw_body, request_headers)
                        SELECT :id, source, provider, :key, type, branch, occurred_at, received_at,
                               conversation_id, contact_phone, canonical, raw_body, request_headers
                        FROM inbox_event WHERE source = 'treble-test' AND conversation_id = :session""")
                .bind("id", EventIds.next()).bind("key", key).bind("session", stored).execute());

        app.clock.pin(t0.plus(TIMEOUT));
        JsonNode run = runSweep("inactivity");
        assertThat(run.get("recorded").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(conversation(other).get("status")).isEqualTo("closed");
        await().atMost(Duration.ofSeconds(10)).until(() -> received("conversation.closed", other).size() == 1);
        // The stored key is left alone: one row, no close, as a repeated provider event would be.
        assertThat(conversation(stored).get("status")).isEqualTo("open");
        assertThat(count("SELECT count(*) FROM inbox_event WHERE source = 'treble-test' AND provider_event_id = '" + key + "'")).isEqualTo(1);
        assertThat(received("conversation.closed", stored)).isEmpty();
        assertThat(log.lines()).anyMatch(l -> l.startsWith("A close's key was stored already") && l.contains(key));
    }

    @Test
    @Order(5)
    void windowNoticesComeOncePerWindowAndNotForAWindowThatWasExtended() throws Exception {
        Instant t0 = start();
        String phone = newPhone();
        String extended = newPhone();
        inbound("win-" + System.nanoTime(), phone, t0);
        inbound("win-ext-" + System.nanoTime(), extended, t0);
        Instant end = t0.plus(Duration.ofHours(24));
        // A message that arrives days late: its window ended more than a day before the sweep, too late to announce.
        String late = newPhone();
        inbound("win-late-" + System.nanoTime(), late, t0.minus(Duration.ofDays(2)));

        app.clock.pin(end.minus(Duration.ofHours(1)).minusMillis(1));
        runSweep("windows");
        // The second customer writes again 22h30m in: a new window, ending 22h30m later.
        inbound("win-ext-2-" + System.nanoTime(), extended, t0.plus(Duration.ofMinutes(22 * 60 + 30)));
        Instant extendedEnd = t0.plus(Duration.ofMinutes(22 * 60 + 30)).plus(Duration.ofHours(24));

        app.clock.pin(end.minus(Duration.ofHours(1)));
        runSweep("windows");
        runSweep("windows");
        app.clock.pin(end.minusMillis(1));
        runSweep("windows");
        app.clock.pin(end);
        runSweep("windows");
        app.clock.pin(end.plusSeconds(30));
        runSweep("windows");

        await().atMost(Duration.ofSeconds(10)).until(() -> received("window.expired", phone).size() == 1);
        Thread.sleep(300);
        List<JsonNode> expiring = received("window.expiring", phone);
        assertThat(expiring).hasSize(1);
        assertThat(expiring.get(0).get("window").get("kind").asText()).isEqualTo("customer_service");
        assertThat(Instant.parse(expiring.get(0).get("window").get("expiresAt").asText())).isEqualTo(end);
        assertThat(Instant.parse(expiring.get(0).get("occurredAt").asText())).isEqualTo(end.minus(Duration.ofHours(1)));
        List<JsonNode> expired = received("window.expired", phone);
        assertThat(expired).hasSize(1);
        assertThat(Instant.parse(expired.get(0).get("occurredAt").asText())).isEqualTo(end);
        assertThat(expired.get(0).get("window").get("open").asBoolean()).isFalse();

        assertThat(received("window.expiring", late)).isEmpty();
        assertThat(received("window.expired", late)).isEmpty();
        // Nothing for the extended window's old end; its new window is announced at its own time.
        assertThat(received("window.expiring", extended)).isEmpty();
        assertThat(received("window.expired", extended)).isEmpty();
        app.clock.pin(extendedEnd.minus(Duration.ofHours(1)));
        runSweep("windows");
        await().atMost(Duration.ofSeconds(10)).until(() -> received("window.expiring", extended).size() == 1);
        assertThat(Instant.parse(received("window.expiring", extended).get(0).get("window").get("expiresAt").asText())).isEqualTo(extendedEnd);
    }

    @Test
    @Order(8)
    void aWindowTheProviderReportedClosedGetsNoExpiringNoticeButItsExpiredOne() throws Exception {
        Instant t0 = start();
        String reported = newPhone();   // reported closed after the last inbound message: closed
        String sameInstant = newPhone(); // reported closed at the instant of the last inbound message: closed
        String superseded = newPhone();  // reported closed, then the customer wrote again: open
        String unreported = newPhone();
        inbound("rep-" + System.nanoTime(), reported, t0);
        inbound("rep-same-" + System.nanoTime(), sameInstant, t0);
        inbound("rep-sup-" + System.nanoTime(), superseded, t0.plus(Duration.ofMinutes(10)));
        inbound("rep-none-" + System.nanoTime(), unreported, t0);
        // What a Sinch OUTSIDE_ALLOWED_SENDING_WINDOW failure records, written directly: the CRM here hears treble-test only.
        reportClosed(reported, t0.plus(Duration.ofMinutes(5)));
        reportClosed(sameInstant, t0);
        reportClosed(superseded, t0.plus(Duration.ofMinutes(5)));

        // The database's rule (V11) and the admin API's (WindowRules) agree on each window.
        Map<String, Boolean> expected = Map.of(reported, true, sameInstant, true, superseded, false, unreported, false);
        for (Map.Entry<String, Boolean> e : expected.entrySet()) {
            Map<String, Object> row = app.jdbi().withHandle(h -> h.createQuery("""
                            SELECT cs_closed_by_provider, last_inbound_at, closed_reported_at FROM contact_window
                            WHERE source = 'treble-test' AND contact_phone = :p""").bind("p", e.getKey()).mapToMap().one());
            boolean javaRule = io.conversationconnector.state.WindowRules.evaluate(new io.conversationconnector.state.WindowRules.Facts(
                    "treble-test", instant(row.get("last_inbound_at")), null, instant(row.get("closed_reported_at")), null, null, null),
                    t0).closedByProvider();
            assertThat(row.get("cs_closed_by_provider")).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(javaRule).as(e.getKey()).isEqualTo(e.getValue());
        }

        Instant end = t0.plus(Duration.ofHours(24));
        app.clock.pin(end.minus(Duration.ofHours(1)));
        runSweep("windows");
        app.clock.pin(t0.plus(Duration.ofMinutes(10)).plus(Duration.ofHours(23)));
        runSweep("windows");
        app.clock.pin(end);
        runSweep("windows");

        await().atMost(Duration.ofSeconds(10)).until(() -> received("window.expired", reported).size() == 1
                && received("window.expired", sameInstant).size() == 1 && received("window.expiring", superseded).size() == 1
                && received("window.expiring", unreported).size() == 1);
        Thread.sleep(300);
        assertThat(received("window.expiring", reported)).isEmpty();
        assertThat(received("window.expiring", sameInstant)).isEmpty();
        assertThat(Instant.parse(received("window.expired", reported).get(0).get("occurredAt").asText())).isEqualTo(end);
        assertThat(received("window.expiring", superseded)).hasSize(1);
        assertThat(received("window.expired", superseded)).isEmpty();
    }

    @Test
    @Order(9)
    void aFreeEntryPointWindowIsAnnouncedOnceBeforeItsEndAndOnceAtIt() throws Exception {
        Instant inbound = start();
        String phone = newPhone();
        app.clock.pin(inbound.plusSeconds(60));
        assertThat(post(sinchSigned(ConversationStateTest.sinchInbound(phone, "fep-in-" + System.nanoTime(), inbound, "Hola"))).statusCode())
                .isEqualTo(202);
        // A read report priced as a free entry point opens a 72 h window from its time.
        assertThat(post(sinchSigned(ConversationStateTest.sinchDelivery("delivery_read_pricing_object.json", phone,
                "fep-" + System.nanoTime(), inbound.plusSeconds(30)))).statusCode()).isEqualTo(202);
        Instant end = inbound.plusSeconds(30).plus(Duration.ofHours(72));

        app.clock.pin(end.minus(Duration.ofHours(1)).minusMillis(1));
        runSweep("windows");
        app.clock.pin(end.minus(Duration.ofHours(1)));
        runSweep("windows");
        runSweep("windows");
        app.clock.pin(end);
        runSweep("windows");
        app.clock.pin(end.plusSeconds(30));
        runSweep("windows");

        await().atMost(Duration.ofSeconds(10)).until(() -> freeEntryPoint(received("window.expired", phone)).size() == 1);
        Thread.sleep(300);
        List<JsonNode> expiring = freeEntryPoint(received("window.expiring", phone));
        assertThat(expiring).hasSize(1);
        assertThat(Instant.parse(expiring.get(0).get("window").get("expiresAt").asText())).isEqualTo(end);
        assertThat(Instant.parse(expiring.get(0).get("occurredAt").asText())).isEqualTo(end.minus(Duration.ofHours(1)));
        List<JsonNode> expired = freeEntryPoint(received("window.expired", phone));
        assertThat(expired).hasSize(1);
        assertThat(Instant.parse(expired.get(0).get("occurredAt").asText())).isEqualTo(end);
        assertThat(expired.get(0).get("source").asText()).isEqualTo("sinch-test");
    }

    static List<JsonNode> freeEntryPoint(List<JsonNode> events) {
        return events.stream().filter(e -> "free_entry_point".equals(e.get("window").get("kind").asText())).toList();
    }

    /** Signed at the connector's (pinned) time, as Sinch's timestamp check wants. */
    static Webhooks.Request sinchSigned(com.fasterxml.jackson.databind.node.ObjectNode body) throws Exception {
        return Webhooks.sinch(JSON.writeValueAsBytes(body), app.clock.instant());
    }

    static void reportClosed(String phone, Instant at) {
        int rows = app.jdbi().withHandle(h -> h.createUpdate(
                        "UPDATE contact_window SET closed_reported_at = :at WHERE source = 'treble-test' AND contact_phone = :p")
                .bind("at", at.atOffset(java.time.ZoneOffset.UTC)).bind("p", phone).execute());
        assertThat(rows).isEqualTo(1);
    }

    static Instant instant(Object timestamp) {
        return timestamp == null ? null : ((java.sql.Timestamp) timestamp).toInstant();
    }

    @Test
    @Order(6)
    void anUnknownSweepIs404() throws Exception {
        HttpResponse<String> r = app.api("POST", "/api/sweeps/everything/run", TOKEN, null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("unknown_sweep");
    }

    /** Last: it removes everything older than the retention, which here is every event of this class. */
    @Test
    @Order(10)
    void retentionRemovesOldEventsButKeepsWhatIsStillToBeDelivered() throws Exception {
        String session = "ret-" + System.nanoTime();
        String phone = newPhone();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        inbound(session, phone, t0);
        // A receipt for the CRM that is down: its delivery is retrying (next attempt in an hour).
        HttpResponse<String> r = post(ConversationStateTest.trebleDelivered(session, phone, t0.plusSeconds(1)));
        assertThat(r.statusCode()).isEqualTo(202);
        String undelivered = JSON.readTree(r.body()).get("id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> count("SELECT count(*) FROM outbox WHERE state = 'retrying' AND event_id = '" + undelivered + "'") == 1);
        // Paused, so it stays undelivered while the clock jumps ahead.
        assertThat(app.api("POST", "/api/subscriptions/crm-down/disable", TOKEN, null).statusCode()).isEqualTo(200);
        // A Sinch request leaves a nonce behind.
        assertThat(post(Webhooks.sinch(WebhookIngestTest.uniqueSinch("ret-" + System.nanoTime()))).statusCode()).isEqualTo(202);
        long eventsBefore = count("SELECT count(*) FROM inbox_event");
        long deliveredBefore = count("SELECT count(*) FROM outbox WHERE state = 'delivered'");
        assertThat(deliveredBefore).isGreaterThan(0);
        assertThat(count("SELECT count(*) FROM webhook_nonce")).isGreaterThan(0);

        app.clock.pin(Instant.now().plus(Duration.ofDays(31)));
        JsonNode run = runSweep("retention");
        assertThat(run.get("events").asLong()).isEqualTo(eventsBefore - 1);
        assertThat(count("SELECT count(*) FROM inbox_event")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM inbox_event WHERE id = '" + undelivered + "'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM outbox WHERE state = 'delivered'")).isZero();
        assertThat(count("SELECT count(*) FROM delivery_attempt a WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = a.outbox_id)")).isZero();
        assertThat(count("SELECT count(*) FROM outbox WHERE event_id = '" + undelivered + "'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM webhook_nonce")).isZero();
        // State is not history: conversations stay.
        assertThat(conversation(session).get("status")).isEqualTo("open");
    }

    static long count(String sql) {
        return app.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    @Order(7)
    void sweepSettingsThatCannotWorkStopStartUpNamingTheSetting() {
        assertThatThrownBy(() -> ConnectorHarness.start(Map.of("connector.sweep.cron-expression", "", "connector.sweep.interval", "90s")).close())
                .hasStackTraceContaining("application.properties: connector.sweep.interval (SWEEP_INTERVAL): PT1M30S does not divide");
        assertThatThrownBy(() -> ConnectorHarness.start(Map.of("connector.sweep.cron-expression", "every minute")).close())
                .hasStackTraceContaining("connector.sweep.cron-expression (SWEEP_CRON): 'every minute' is not a Quartz cron expression");
        assertThatThrownBy(() -> ConnectorHarness.start(Map.of("connector.sweep.window-expiring-lead", "0s")).close())
                .hasStackTraceContaining("connector.sweep.window-expiring-lead (WINDOW_EXPIRING_LEAD): must be longer than 0");
        assertThatThrownBy(() -> ConnectorHarness.start(Map.of("connector.sweep.window-expiring-lead", "24h")).close())
                .hasStackTraceContaining("connector.sweep.window-expiring-lead (WINDOW_EXPIRING_LEAD): must be shorter than the 24 h");
        assertThatThrownBy(() -> ConnectorHarness.start(Map.of("connector.sweep.database-nice", "20")).close())
                .hasStackTraceContaining("application.properties: connector.sweep.database-nice: must be 0 (normal priority) to 19");
    }

    /**
     * Sweeps have their own pool, and on the embedded server its backends run at nice 19 (their scheduling group's
     * where the kernel groups tasks by session, their own otherwise), while the backends serving ingest are left at 0.
     */
    @Test
    @Order(11)
    void sweepsRunOnTheirOwnLowPriorityDatabaseSessions() throws Exception {
        runSweep("inactivity");
        List<Map<String, Object>> backends = app.jdbi().withHandle(h -> h.createQuery(
                "SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE 'conversation-connector%'")
                .mapToMap().list());
        List<Long> sweeps = pids(backends, "conversation-connector-sweeps");
        List<Long> others = pids(backends, "conversation-connector");
        assertThat(sweeps).as("the sweeps' pool's backends").isNotEmpty();
        assertThat(others).as("the main pool's backends").isNotEmpty();
        for (long pid : sweeps) {
            assertThat(schedulingNice(pid)).as("sweep backend %d", pid).isEqualTo(19);
        }
        for (long pid : others) {
            assertThat(schedulingNice(pid)).as("ingest/delivery backend %d", pid).isZero();
        }
    }

    static List<Long> pids(List<Map<String, Object>> backends, String applicationName) {
        return backends.stream().filter(b -> applicationName.equals(b.get("application_name")))
                .map(b -> ((Number) b.get("pid")).longValue()).toList();
    }

    /** The nice that decides the process's share of CPU: its autogroup's when autogroups are on, else its own. */
    static int schedulingNice(long pid) throws java.io.IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        if (Files.readString(Path.of("/proc/sys/kernel/sched_autogroup_enabled")).strip().equals("1")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("nice (-?\\d+)").matcher(Files.readString(proc.resolve("autogroup")));
            assertThat(m.find()).isTrue();
            return Integer.parseInt(m.group(1));
        }
        String stat = Files.readString(proc.resolve("stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    }
}
