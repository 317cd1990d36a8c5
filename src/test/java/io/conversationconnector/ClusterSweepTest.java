package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import io.conversationconnector.storage.EmbeddedDatabase;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Two connector processes (separate JVMs, different ports) on one PostgreSQL, both running the sweeps every
 * second on the clustered Quartz store, plus manual runs on both nodes at once: every idle conversation is closed
 * once, every window notice is sent once, and every outbox row reaches the CRM once.
 */
class ClusterSweepTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int CUSTOMERS = 40;

    @Test
    void twoNodesCloseEachConversationOnceAndAnnounceEachWindowOnce() throws Exception {
        Path base = ConnectorHarness.testDir("cluster");
        int pgPort = ConnectorHarness.freePort();
        String secret = DeliveryTest.secret();
        List<Process> nodes = new ArrayList<>();
        try (EmbeddedDatabase db = EmbeddedDatabase.start(base.resolve("pg"), pgPort); StubCrm crm = new StubCrm()) {
          try {
            Path config = Files.createDirectories(base.resolve("config"));
            Files.writeString(config.resolve("sources.yaml"), SweepTest.testSourcesWithInactivityTimeout("2s"));
            Files.writeString(config.resolve("subscriptions.yaml"), """
                    subscriptions:
                      - id: crm
                        url: %s
                        events: [message.inbound, conversation.closed, window.expiring, window.expired]
                        filters: { source: treble-test }
                        secret: %s
                    """.formatted(crm.url("/cluster"), secret));
            Map<String, String> env = Map.of("DB_URL", "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "DB_USER", "postgres",
                    "SWEEP_INTERVAL", "1s");
            int[] ports = {ConnectorHarness.freePort(), ConnectorHarness.freePort()};
            for (int i = 0; i < 2; i++) {
                nodes.add(ConnectorProcess.launch(config, base.resolve("node-" + i), ports[i], env));
            }
            for (int port : ports) {
                ConnectorProcess.awaitReady(port);
            }

            // Customers who wrote a day ago (less a few seconds): idle at once, and their windows end in ~10 s.
            Instant wrote = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(24)).plusSeconds(10);
            List<String> phones = new ArrayList<>();
            for (int i = 0; i < CUSTOMERS; i++) {
                String phone = ConversationStateTest.newPhone();
                phones.add(phone);
                HttpResponse<String> r = ConnectorProcess.post(ports[i % 2],
                        ConversationStateTest.trebleResponse("cluster-" + i + "-" + System.nanoTime(), phone, wrote, "hola"));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            }
            // Besides the timers, both nodes are asked to run both sweeps at the same moments.
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<HttpResponse<String>>> manual = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int port : ports) {
                    for (String sweep : List.of("inactivity", "windows")) {
                        manual.add(pool.submit(() -> ConnectorProcess.api(port, "POST", "/api/sweeps/" + sweep + "/run")));
                    }
                }
            }
            for (Future<HttpResponse<String>> f : manual) {
                assertThat(f.get().statusCode()).as(f.get().body()).isEqualTo(200);
            }
            pool.shutdown();

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> crm.received("/cluster").size() >= 4 * CUSTOMERS);
            Thread.sleep(4000); // several more sweeps on both nodes: nothing more may come

            Webhook verifier = new Webhook(secret);
            Map<String, Integer> perTypeAndCustomer = new HashMap<>();
            Set<String> webhookIds = new HashSet<>();
            for (StubCrm.Received r : crm.received("/cluster")) {
                verifier.verify(r.body(), r.headers());
                webhookIds.add(r.header("webhook-id"));
                JsonNode data = JSON.readTree(r.body()).get("data");
                perTypeAndCustomer.merge(data.get("type").asText() + " " + data.get("contact").get("phone").asText(), 1, Integer::sum);
            }
            assertThat(crm.received("/cluster")).hasSize(4 * CUSTOMERS);
            assertThat(webhookIds).hasSize(4 * CUSTOMERS);
            for (String phone : phones) {
                for (String type : List.of("message.inbound", "conversation.closed", "window.expiring", "window.expired")) {
                    assertThat(perTypeAndCustomer.get(type + " " + phone)).as(type + " " + phone).isEqualTo(1);
                }
            }
            Jdbi jdbi = Jdbi.create(db.jdbcUrl(), "postgres", "");
            // Both nodes were members of one Quartz cluster.
            int members = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = 'conversation-connector'")
                    .mapTo(Integer.class).one());
            assertThat(members).isEqualTo(2);
            int undelivered = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE state <> 'delivered'").mapTo(Integer.class).one());
            assertThat(undelivered).isZero();
            System.out.printf("cluster sweeps: %d customers on 2 nodes, %d callbacks, each exactly once%n", CUSTOMERS, webhookIds.size());
          } finally {
            // The nodes stop before their database does.
            for (Process p : nodes) {
                p.destroy();
            }
            for (Process p : nodes) {
                p.waitFor();
            }
          }
        }
    }
}
