package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.storage.EmbeddedDatabase;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a real connector JVM while deliveries to a slow CRM are in flight: readiness goes down first while
 * webhooks are still served (the drain delay), then the routes stop gracefully. Every acknowledged event is
 * stored; every delivery the CRM received is stored as delivered (so none goes out again after a restart); no
 * delivery is left leased. The run logs in JSON (LOG_FORMAT=json): every line parses, requests are logged, and no
 * configured secret appears.
 */
class GracefulShutdownTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void sigtermTurnsReadinessDownFirstAndFinishesInFlightWork() throws Exception {
        Path base = ConnectorHarness.testDir("shutdown");
        int pgPort = ConnectorHarness.freePort();
        String secret = DeliveryTest.secret();
        try (EmbeddedDatabase db = EmbeddedDatabase.start(base.resolve("pg"), pgPort); StubCrm crm = new StubCrm()) {
            crm.delay(400);
            Path config = ConnectorHarness.configWithSubscription(base.resolve("config"), crm.url("/all"), secret, "timeout: 5s");
            int port = ConnectorHarness.freePort();
            int mgmt = ConnectorHarness.freePort();
            Map<String, String> env = Map.of("DB_URL", "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "DB_USER", "postgres",
                    "MGMT_PORT", Integer.toString(mgmt), "SHUTDOWN_DRAIN_DELAY", "2s", "LOG_FORMAT", "json");
            Process connector = ConnectorProcess.launch(config, base.resolve("data"), port, env,
                    "-Dconnector.delivery.poll-ms=50", "-Dconnector.delivery.batch-size=16", "-Dconnector.delivery.parallelism=8",
                    "-Dconnector.delivery.in-flight=16");
            List<String> acknowledged = new ArrayList<>();
            long readinessDownAfter;
            int servedDuringDrain;
            try {
                // Readiness is never UP before the routes and the database are: the first webhook after it is stored.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> get(mgmt, "/observe/health/ready") == 200);
                acknowledged.addAll(ConnectorProcess.postAcknowledgedSinch(port, "shutdown-", 60));
                await().atMost(Duration.ofSeconds(20)).until(() -> crm.received("/all").size() >= 5);
                assertThat(crm.received("/all").size()).as("deliveries still to make at SIGTERM").isLessThan(acknowledged.size());

                long sigterm = System.nanoTime();
                connector.destroy(); // SIGTERM
                await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).until(() -> get(mgmt, "/observe/health/ready") == 503);
                readinessDownAfter = (System.nanoTime() - sigterm) / 1_000_000;
                // Readiness is down, and webhooks are still accepted and committed during the drain delay.
                List<String> late = ConnectorProcess.postAcknowledgedSinch(port, "shutdown-late-", 3);
                servedDuringDrain = late.size();
                acknowledged.addAll(late);
                assertThat(connector.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
            } finally {
                connector.destroyForcibly();
            }
            assertThat(connector.exitValue()).isIn(0, 143);

            Jdbi jdbi = Jdbi.create(db.jdbcUrl(), "postgres", "");
            Set<String> stored = new HashSet<>(jdbi.withHandle(h -> h.createQuery("SELECT id FROM inbox_event").mapTo(String.class).list()));
            assertThat(stored).containsAll(acknowledged);
            Set<String> received = new HashSet<>();
            crm.received("/all").forEach(r -> received.add(r.header("webhook-id")));
            Set<String> delivered = new HashSet<>(jdbi.withHandle(h -> h.createQuery(
                    "SELECT event_id FROM outbox WHERE state = 'delivered'").mapTo(String.class).list()));
            assertThat(delivered).as("every delivery the CRM received is stored as delivered").isEqualTo(received);
            assertThat(crm.received("/all")).as("each sent once").hasSize(received.size());
            int leased = jdbi.withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM outbox WHERE state IN ('pending', 'retrying') AND lease_until > now()").mapTo(Integer.class).one());
            assertThat(leased).as("deliveries left leased by the stopped process").isZero();

            Path log = base.resolve("data-" + port + ".log");
            List<String> lines = Files.readAllLines(log);
            int requestLines = 0;
            for (String line : lines) {
                if (line.isBlank() || line.startsWith("ADMIN_TOKEN")) {
                    continue;
                }
                JsonNode entry = JSON.readTree(line);
                assertThat(entry.has("@timestamp") && entry.has("log.level") && entry.has("message")).as(line).isTrue();
                if ("connector.requests".equals(entry.path("log.logger").asText()) && entry.get("message").asText().contains(" status=202 event=")) {
                    requestLines++;
                }
                for (String s : new String[] {secret, Webhooks.SINCH_SECRET, Webhooks.RASAYEL_TOKEN, Webhooks.BIRD_KEY, "treble-test-token"}) {
                    assertThat(line).doesNotContain(s);
                }
            }
            assertThat(requestLines).as("one line per acknowledged webhook").isEqualTo(acknowledged.size());
            FaultReport.record("SIGTERM with deliveries to a slow CRM in flight", "readiness 503 after " + readinessDownAfter + " ms, "
                    + servedDuringDrain + " webhooks still accepted during the drain, " + received.size() + " of " + acknowledged.size()
                    + " events delivered before exit (the rest wait, unleased), **0 acknowledged lost**, 0 left leased, exit code "
                    + connector.exitValue());
            System.out.printf("graceful shutdown: readiness 503 after %d ms, %d webhooks accepted during the drain, %d of %d acknowledged "
                    + "events delivered before exit, 0 lost, 0 left leased, exit code %d%n", readinessDownAfter, servedDuringDrain, received.size(),
                    acknowledged.size(), connector.exitValue());
        }
    }

    /**
     * The default run: the connector's own embedded PostgreSQL. Its server stops after the routes do, not at the
     * SIGTERM: the webhooks served during the drain delay are still stored, and the server is shut down cleanly
     * before the JVM exits (no postmaster.pid left behind).
     */
    @Test
    void sigtermKeepsTheEmbeddedDatabaseUpUntilTheRoutesHaveStopped() throws Exception {
        Path base = ConnectorHarness.testDir("shutdown-embedded");
        Path data = base.resolve("data");
        int port = ConnectorHarness.freePort();
        int mgmt = ConnectorHarness.freePort();
        Process connector = ConnectorProcess.launch(CrashRecoveryTest.TEST_CONFIG, data, port,
                Map.of("MGMT_PORT", Integer.toString(mgmt), "SHUTDOWN_DRAIN_DELAY", "2s"));
        List<String> acknowledged = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> get(mgmt, "/observe/health/ready") == 200);
            acknowledged.addAll(ConnectorProcess.postAcknowledgedSinch(port, "shutdown-embedded-", 5));
            connector.destroy(); // SIGTERM
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).until(() -> get(mgmt, "/observe/health/ready") == 503);
            Thread.sleep(500); // well into the drain delay
            acknowledged.addAll(ConnectorProcess.postAcknowledgedSinch(port, "shutdown-embedded-late-", 3));
            assertThat(connector.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
            assertThat(connector.exitValue()).isIn(0, 143);
            assertThat(data.resolve("postgres").resolve("postmaster.pid")).as("the embedded server was shut down").doesNotExist();
        } finally {
            connector.destroyForcibly();
            CrashRecoveryTest.stopLeftoverPostgres(data);
        }
        try (EmbeddedDatabase db = EmbeddedDatabase.start(data, ConnectorHarness.freePort())) {
            Set<String> stored = new HashSet<>(Jdbi.create(db.jdbcUrl(), "postgres", "").withHandle(h ->
                    h.createQuery("SELECT id FROM inbox_event").mapTo(String.class).list()));
            assertThat(stored).containsAll(acknowledged);
        }
    }

    static int get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
