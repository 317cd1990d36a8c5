package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import org.junit.jupiter.api.Test;

/**
 * The connector as a real separate JVM, killed with SIGKILL while deliveries to a slow CRM are in flight, then
 * restarted on the same data: every acknowledged event reaches the CRM, and a duplicate is only ever the same
 * event again (same webhook-id, same signed body content).
 */
class DeliveryCrashTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Short leases and small batches so the takeover after the kill happens within seconds. */
    static final String[] JVM_OPTIONS = {"-Dconnector.delivery.lease-grace=1s", "-Dconnector.delivery.poll-ms=50",
            "-Dconnector.delivery.batch-size=16", "-Dconnector.delivery.parallelism=8",
            "-Dconnector.delivery.in-flight=16"};

    @Test
    void killMinus9DuringDeliveriesLosesNothingAndDuplicatesKeepTheirWebhookId() throws Exception {
        Path base = ConnectorHarness.testDir("delivery-crash");
        try {
            killDuringDeliveries(base);
        } finally {
            CrashRecoveryTest.stopLeftoverPostgres(base.resolve("data"));
        }
    }

    void killDuringDeliveries(Path base) throws Exception {
        String secret = DeliveryTest.secret();
        try (StubCrm crm = new StubCrm()) {
            crm.delay(300); // 8 parallel deliveries x 300 ms: far slower than ingest, so many are in flight
            Path config = ConnectorHarness.configWithSubscription(base.resolve("config"), crm.url("/all"), secret, "timeout: 2s");
            Path data = base.resolve("data");
            int port = ConnectorHarness.freePort();
            Process first = ConnectorProcess.launch(config, data, port, JVM_OPTIONS);
            List<String> acknowledged = new ArrayList<>();
            try {
                ConnectorProcess.awaitReady(port);
                acknowledged.addAll(ConnectorProcess.postAcknowledgedSinch(port, "dcrash-", 150));
                // Kill while deliveries are still going out.
                await().atMost(Duration.ofSeconds(20)).until(() -> crm.received("/all").size() >= 10);
                assertThat(crm.received("/all").size()).isLessThan(acknowledged.size());
            } finally {
                first.destroyForcibly();
                first.waitFor();
            }
            int receivedAtKill = distinctIds(crm).size();
            int callsAtKill = crm.received("/all").size();

            int port2 = ConnectorHarness.freePort();
            Process second = ConnectorProcess.launch(config, data, port2, JVM_OPTIONS);
            try {
                ConnectorProcess.awaitReady(port2);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .until(() -> distinctIds(crm).containsAll(acknowledged));
            } finally {
                long pg = CrashRecoveryTest.postmasterPid(data);
                second.destroy();
                second.waitFor();
                ProcessHandle.of(pg).ifPresent(p -> {
                    if (p.isAlive()) {
                        p.destroy();
                    }
                });
            }
            assertThat(receivedAtKill).isLessThan(acknowledged.size());
            // Every call verifies, and calls with the same webhook-id carry the same event.
            Webhook verifier = new Webhook(secret);
            Map<String, String> eventById = new HashMap<>();
            for (StubCrm.Received r : crm.received("/all")) {
                verifier.verify(r.body(), r.headers());
                String id = r.header("webhook-id");
                String eventId = JSON.readTree(r.body()).get("data").get("id").asText();
                assertThat(eventId).isEqualTo(id);
                assertThat(eventById.putIfAbsent(id, eventId)).isIn(null, eventId);
            }
            assertThat(eventById.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
            int calls = crm.received("/all").size();
            // Only what was leased and not yet stored can go out twice: at most the in-flight window (16).
            assertThat(calls - acknowledged.size()).isLessThanOrEqualTo(16);
            FaultReport.record("`kill -9` during deliveries, then restart", acknowledged.size() + " acknowledged, " + receivedAtKill
                    + " delivered before the kill; after restart all " + acknowledged.size() + " delivered, " + (calls - acknowledged.size())
                    + " duplicate calls (same webhook-id, at most the in-flight window), **0 lost**");
            System.out.printf("delivery crash: %d acknowledged, %d distinct received before kill -9 (%d calls), %d calls in all, "
                    + "%d duplicate calls (same webhook-id), 0 lost%n", acknowledged.size(), receivedAtKill, callsAtKill, calls,
                    calls - acknowledged.size());
        }
    }

    static Set<String> distinctIds(StubCrm crm) {
        Set<String> ids = new HashSet<>();
        crm.received("/all").forEach(r -> ids.add(r.header("webhook-id")));
        return ids;
    }

}
