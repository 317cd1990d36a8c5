package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.conversationconnector.storage.EmbeddedDatabase;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * The fault-injection suite (with InboundFuzzTest, GracefulShutdownTest and DeliveryCrashTest): each case puts a
 * fault under provider-like load and records a figure in target/fault-report.md. Run alone with
 * {@code bench/faults.sh}; it is part of {@code mvn -B test} too. FAULT_PG_DOWN_SECONDS (30) sets the outage.
 */
class FaultInjectionTest {
    static final int PG_DOWN_SECONDS = Integer.parseInt(System.getenv().getOrDefault("FAULT_PG_DOWN_SECONDS", "30"));

    @Test
    void killMinus9UnderLoadLosesNothingAcknowledged() throws Exception {
        Path data = ConnectorHarness.testDir("fault-kill");
        try {
            int port = ConnectorHarness.freePort();
            Process first = ConnectorProcess.launch(CrashRecoveryTest.TEST_CONFIG, data, port);
            Load load;
            try {
                ConnectorProcess.awaitReady(port);
                load = new Load(port, 8, "fault-kill-");
                await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged.size() >= 500);
            } finally {
                first.destroyForcibly(); // SIGKILL mid-load: requests in flight get no answer
                first.waitFor();
            }
            load.close();
            List<String> acknowledged = List.copyOf(load.acknowledged);

            int port2 = ConnectorHarness.freePort();
            Process second = ConnectorProcess.launch(CrashRecoveryTest.TEST_CONFIG, data, port2);
            int present;
            try {
                ConnectorProcess.awaitReady(port2);
                Jdbi jdbi = Jdbi.create("jdbc:postgresql://127.0.0.1:" + CrashRecoveryTest.postmasterPort(data) + "/postgres", "postgres", "");
                present = stored(jdbi, acknowledged);
            } finally {
                second.destroy();
                second.waitFor();
            }
            assertThat(load.unexpected5xx()).isZero();
            assertThat(present).as("acknowledged events present after kill -9 and restart").isEqualTo(acknowledged.size());
            FaultReport.record("`kill -9` of the connector under load (8 senders)", acknowledged.size() + " acknowledged before the kill, "
                    + load.noAnswer.get() + " requests cut off without an answer, **" + (acknowledged.size() - present)
                    + " acknowledged lost** after restart");
        } finally {
            CrashRecoveryTest.stopLeftoverPostgres(data);
        }
    }

    @Test
    void postgresStoppedUnderLoadAnswers503AndRecoversAlone() throws Exception {
        Path pgDir = ConnectorHarness.testDir("fault-pg");
        int pgPort = ConnectorHarness.freePort();
        EmbeddedDatabase db = EmbeddedDatabase.start(pgDir, pgPort);
        ConnectorHarness app = ConnectorHarness.start(Map.of(
                "connector.db.url", "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "connector.db.user", "postgres",
                "connector.db.connection-timeout-ms", "1000"));
        try {
            Load load = new Load(app.httpPort, 4, "fault-pg-");
            await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged.size() >= 200);
            int ackedBefore = load.acknowledged.size();
            db.close();
            long downAt = System.nanoTime();
            Thread.sleep(PG_DOWN_SECONDS * 500L);
            int readinessWhileDown = app.get(app.mgmtPort, "/observe/health/ready").statusCode();
            int refusedWhileDown = load.count(503);
            Thread.sleep(PG_DOWN_SECONDS * 500L);
            int refused = load.count(503);
            int ackedWhileDown = load.acknowledged.size() - ackedBefore;
            db = EmbeddedDatabase.start(pgDir, pgPort);
            long upAt = System.nanoTime();
            int ackedAtRestart = load.acknowledged.size();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> load.acknowledged.size() > ackedAtRestart + 50);
            double recoverySeconds = (System.nanoTime() - upAt) / 1e9;
            await().atMost(Duration.ofSeconds(30)).until(() -> app.get(app.mgmtPort, "/observe/health/ready").statusCode() == 200);
            load.close();

            List<String> acknowledged = List.copyOf(load.acknowledged);
            int present = stored(app.jdbi(), acknowledged);
            assertThat(readinessWhileDown).isEqualTo(503);
            assertThat(refusedWhileDown).as("503s while the database is down").isGreaterThan(0);
            assertThat(load.unexpected5xx()).as("5xx other than 503").isZero();
            assertThat(present).isEqualTo(acknowledged.size());
            FaultReport.record("PostgreSQL stopped for " + PG_DOWN_SECONDS + " s under load (4 senders)", refused + " answers 503 (Retry-After) "
                    + "while down and " + ackedWhileDown + " acknowledged (requests committed as it stopped), readiness 503, 0 other 5xx; "
                    + "50 more acknowledged " + String.format("%.1f", recoverySeconds) + " s after PostgreSQL was back, with no restart of the connector; "
                    + acknowledged.size() + " acknowledged in all, **" + (acknowledged.size() - present) + " lost**");
            assertThat((System.nanoTime() - downAt) / 1e9).isGreaterThanOrEqualTo(PG_DOWN_SECONDS);
        } finally {
            app.close();
            db.close();
        }
    }

    @Test
    void aCrmDownForTheWholeRunGetsEverythingWhenItComesUp() throws Exception {
        int crmPort = ConnectorHarness.freePort(); // nothing listens: connection refused
        Path config = subscriptionConfig("fault-crm-down", "http://127.0.0.1:" + crmPort + "/hooks",
                "retrySchedule: [0s, 1s, 1s, 1s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s]");
        ConnectorHarness app = ConnectorHarness.start(Map.of("connector.config-dir", config.toString()));
        try {
            Load load = new Load(app.httpPort, 4, "fault-crm-down-");
            await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged.size() >= 300);
            load.close();
            Set<String> acknowledged = new HashSet<>(load.acknowledged);
            Thread.sleep(3000);
            int failedAttempts = app.jdbi().withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM delivery_attempt WHERE status_code IS NULL").mapTo(Integer.class).one());
            assertThat(failedAttempts).isGreaterThanOrEqualTo(acknowledged.size());
            try (StubCrm crm = new StubCrm(crmPort)) {
                long upAt = System.nanoTime();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> delivered(app) == acknowledged.size());
                double drainSeconds = (System.nanoTime() - upAt) / 1e9;
                Set<String> received = new HashSet<>();
                crm.received("/hooks").forEach(r -> received.add(r.header("webhook-id")));
                assertThat(received).isEqualTo(acknowledged);
                assertThat(crm.received("/hooks")).as("each delivered once").hasSize(acknowledged.size());
                int dead = app.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE state = 'dead'").mapTo(Integer.class).one());
                assertThat(dead).isZero();
                FaultReport.record("CRM down (connection refused) for the whole run, then up", acknowledged.size() + " events, "
                        + failedAttempts + " failed attempts recorded while down; all " + acknowledged.size() + " delivered "
                        + String.format("%.1f", drainSeconds) + " s after the CRM came up (next retry slot), each webhook-id once, 0 dead");
            }
        } finally {
            app.close();
        }
    }

    @Test
    void aSlowCrmGetsTimeoutsRetriedWithoutStarvingIngest() throws Exception {
        try (StubCrm crm = new StubCrm()) {
            crm.delay(3000);
            Path config = subscriptionConfig("fault-slow", crm.url("/slow"), "timeout: 500ms", "retrySchedule: [0s, 1s, 1s, 1s, 1s, 1s]");
            ConnectorHarness app = ConnectorHarness.start(Map.of("connector.config-dir", config.toString()));
            try {
                Load warm = new Load(app.httpPort, 8, "fault-slow-warm-");
                Thread.sleep(3000);
                warm.close();
                // Every delivery thread is now waiting on the CRM; ingest must not notice.
                Load load = new Load(app.httpPort, 8, "fault-slow-");
                Thread.sleep(8000);
                load.close();
                int requests = load.statuses.values().stream().mapToInt(java.util.concurrent.atomic.AtomicInteger::get).sum();
                int timeouts = app.jdbi().withHandle(h -> h.createQuery(
                        "SELECT count(*) FROM delivery_attempt WHERE status_code IS NULL AND error ILIKE '%timeout%'").mapTo(Integer.class).one());
                int inFlight = crm.received("/slow").size();
                int longestAttempt = app.jdbi().withHandle(h -> h.createQuery("SELECT max(latency_ms) FROM delivery_attempt").mapTo(Integer.class).one());
                assertThat(load.count(202)).isEqualTo(requests);
                assertThat(load.noAnswer.get()).isZero();
                assertThat(timeouts).as("timed-out attempts recorded for retry").isGreaterThan(0);
                // The subscription's timeout holds (camel-http's toD optimisation once dropped it: 3 min).
                assertThat(longestAttempt).isLessThan(2000);
                // Starvation would show as answers taking seconds (the CRM's 3 s): the bar is far below that.
                assertThat(load.percentileMillis(0.99)).isLessThan(1000);
                FaultReport.record("slow CRM (answers after 3 s, subscription timeout 500 ms)", requests + " webhooks in 8 s during the stall, all 202, "
                        + "ingest p50 " + String.format("%.1f", load.percentileMillis(0.5)) + " ms, p99 "
                        + String.format("%.1f", load.percentileMillis(0.99)) + " ms; " + timeouts + " attempts timed out (longest attempt " + longestAttempt
                        + " ms) and were scheduled for retry; the stub CRM finished " + inFlight + " answers meanwhile");
            } finally {
                app.close();
            }
        }
    }

    /** How many of these event ids are in the inbox. */
    static int stored(Jdbi jdbi, List<String> ids) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM inbox_event WHERE id = ANY (:ids)")
                .bindArray("ids", String.class, ids).mapTo(Integer.class).one());
    }

    static int delivered(ConnectorHarness app) {
        return app.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE state = 'delivered'").mapTo(Integer.class).one());
    }

    static Path subscriptionConfig(String name, String url, String... options) throws Exception {
        return ConnectorHarness.configWithSubscription(ConnectorHarness.testDir(name + "-config"),
                url, DeliveryTest.secret(), options);
    }
}
