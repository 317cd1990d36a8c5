package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /observe/metrics in Prometheus text format: webhook outcomes by source and reason, the ingest latency histogram,
 * delivery attempts by outcome with their latency, dead letters, the outbox backlog and its oldest age, open
 * windows, sweep runs, the pool's and the JVM's metrics. Values are compared before and after real requests.
 */
class MetricsTest {
    static StubCrm crm;
    static ConnectorHarness app;
    static int downPort;

    @BeforeAll
    static void boot() throws Exception {
        crm = new StubCrm();
        downPort = ConnectorHarness.freePort();
        Path config = ConnectorHarness.testDir("metrics-config");
        Files.createDirectories(config);
        Files.copy(Path.of("src/test/resources/test-config/sources.yaml"), config.resolve("sources.yaml"));
        Files.writeString(config.resolve("subscriptions.yaml"), """
                subscriptions:
                  - id: crm-up
                    url: %s
                    events: [conversation.opened]
                    filters: { source: rasayel-test }
                    secret: %s
                  - id: crm-rejecting
                    url: %s
                    events: [conversation.opened]
                    filters: { source: rasayel-test }
                    secret: %s
                  - id: crm-away
                    url: http://127.0.0.1:%d/hooks
                    events: [conversation.opened]
                    filters: { source: rasayel-test }
                    secret: %s
                    retrySchedule: [0s, 1h]
                """.formatted(crm.url("/up"), DeliveryTest.secret(), crm.url("/reject"), DeliveryTest.secret(), downPort,
                DeliveryTest.secret()));
        crm.script("/reject", StubCrm.Response.of(422));
        app = ConnectorHarness.start(Map.of("connector.config-dir", config.toString(),
                "connector.metrics.refresh-interval", "200ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        app.close();
        crm.close();
    }

    @Test
    void webhookOutcomesAreCountedBySourceAndReasonWithTheirLatency() throws Exception {
        Scrape before = scrape();
        String id = "metrics-" + System.nanoTime();
        assertThat(post(Webhooks.sinch(WebhookIngestTest.uniqueSinch(id))).statusCode()).isEqualTo(202);
        assertThat(post(Webhooks.sinch(WebhookIngestTest.uniqueSinch(id))).statusCode()).isEqualTo(200);
        assertThat(post(Webhooks.sinch(WebhookIngestTest.uniqueSinch(id + "-x"), "nonce-" + id, Webhooks.now(), "wrong-secret"))
                .statusCode()).isEqualTo(401);
        assertThat(app.post("/webhooks/no-such-source", Map.of("Content-Type", "application/json"), "{}".getBytes()).statusCode())
                .isEqualTo(404);
        Scrape after = scrape();

        String sinch = "source=\"sinch-test\"";
        assertThat(after.delta(before, "connector_webhooks_received_total", sinch)).isEqualTo(3);
        assertThat(after.delta(before, "connector_webhooks_accepted_total", sinch)).isEqualTo(1);
        assertThat(after.delta(before, "connector_webhooks_duplicate_total", sinch)).isEqualTo(1);
        assertThat(after.delta(before, "connector_webhooks_rejected_total", sinch, "reason=\"authentication_failed\"")).isEqualTo(1);
        assertThat(after.delta(before, "connector_webhooks_rejected_total", "source=\"unknown\"", "reason=\"unknown_source\"")).isEqualTo(1);
        assertThat(after.text).doesNotContain("no-such-source");
        assertThat(after.delta(before, "connector_ingest_duration_seconds_count", sinch)).isEqualTo(3);
        assertThat(after.delta(before, "connector_ingest_duration_seconds_bucket", sinch, "le=\"10.0\"")).isEqualTo(3);
        assertThat(after.value("connector_ingest_duration_seconds_sum", sinch)).isGreaterThan(before.value("connector_ingest_duration_seconds_sum", sinch));
        // Configured sources have their series from the start.
        assertThat(after.value("connector_webhooks_accepted_total", "source=\"bird-test\"")).isNotNull();
    }

    @Test
    void deliveriesBacklogAndDeadLettersAreVisible() throws Exception {
        Scrape before = scrape();
        // Only this test sends Rasayel events, the subscriptions' only source.
        com.fasterxml.jackson.databind.node.ObjectNode created = (com.fasterxml.jackson.databind.node.ObjectNode)
                DeliveryTest.JSON.readTree(Webhooks.fixture("rasayel/conversation.created.json"));
        String id = "a1b2c3d4-0000-4000-8000-" + String.format("%012d", System.nanoTime() % 1_000_000_000_000L);
        created.put("id", id);
        assertThat(post(Webhooks.rasayel(DeliveryTest.JSON.writeValueAsBytes(created))).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Scrape now = scrape();
            assertThat(now.delta(before, "connector_delivery_attempts_total", "subscription=\"crm-up\"", "outcome=\"delivered\"")).isEqualTo(1);
            assertThat(now.delta(before, "connector_delivery_attempts_total", "subscription=\"crm-rejecting\"", "outcome=\"dead\"")).isEqualTo(1);
            assertThat(now.delta(before, "connector_delivery_dead_letters_total", "subscription=\"crm-rejecting\"")).isEqualTo(1);
            assertThat(now.delta(before, "connector_delivery_attempts_total", "subscription=\"crm-away\"", "outcome=\"retry\"")).isEqualTo(1);
            assertThat(now.delta(before, "connector_delivery_duration_seconds_count", "subscription=\"crm-up\"")).isEqualTo(1);
            // Received to delivered: one sample, under the 20 s this test allows, for the delivered one only.
            assertThat(now.delta(before, "connector_delivery_lag_seconds_count", "subscription=\"crm-up\"")).isEqualTo(1);
            assertThat(now.delta(before, "connector_delivery_lag_seconds_bucket", "subscription=\"crm-up\"", "le=\"30.0\"")).isEqualTo(1);
            assertThat(now.delta(before, "connector_delivery_lag_seconds_count", "subscription=\"crm-rejecting\"")).isEqualTo(0);
            // Read from the database by the gauges' refresher: the refused one is stored dead, the unreachable one waits.
            assertThat(now.value("connector_outbox_dead", "subscription=\"crm-rejecting\"")).isGreaterThanOrEqualTo(1);
            assertThat(now.value("connector_outbox_backlog", "subscription=\"crm-away\"")).isGreaterThanOrEqualTo(1);
            assertThat(now.value("connector_outbox_backlog", "subscription=\"crm-up\"")).isEqualTo(0);
            assertThat(now.value("connector_outbox_oldest_age_seconds", "subscription=\"crm-away\"")).isGreaterThan(0);
            assertThat(now.value("connector_subscription_enabled", "subscription=\"crm-up\"")).isEqualTo(1);
            assertThat(now.value("connector_metrics_database_up")).isEqualTo(1);
        });
        assertThat(crm.received("/up")).hasSize(1);
    }

    @Test
    void openWindowsSweepsPoolAndJvmAreExported() throws Exception {
        Scrape before = scrape();
        // An inbound Sinch message of now opens a customer-service window.
        com.fasterxml.jackson.databind.node.ObjectNode message = (com.fasterxml.jackson.databind.node.ObjectNode)
                DeliveryTest.JSON.readTree(WebhookIngestTest.uniqueSinch("metrics-window-" + System.nanoTime()));
        String now = java.time.Instant.now().toString();
        message.put("accepted_time", now).put("event_time", now);
        ((com.fasterxml.jackson.databind.node.ObjectNode) message.get("message")).put("accept_time", now);
        assertThat(post(Webhooks.sinch(DeliveryTest.JSON.writeValueAsBytes(message))).statusCode()).isEqualTo(202);
        HttpResponse<String> run = app.api("POST", "/api/sweeps/windows/run", ConnectorHarness.ADMIN_TOKEN, null);
        assertThat(run.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(scrape().value("connector_windows_open", "kind=\"customer_service\"")).isGreaterThanOrEqualTo(1));
        Scrape after = scrape();
        assertThat(after.delta(before, "connector_sweep_runs_total", "sweep=\"windows\"")).isEqualTo(1);
        assertThat(after.delta(before, "connector_sweep_duration_seconds_count", "sweep=\"windows\"")).isEqualTo(1);
        assertThat(after.value("hikaricp_connections_max", "pool=\"connector-db\"")).isEqualTo(16);
        assertThat(after.value("hikaricp_connections_max", "pool=\"connector-sweeps\"")).as("3 sweeps x 1 worker, 1 for the gauges")
                .isEqualTo(4);
        assertThat(after.value("jvm_memory_used_bytes", "area=\"heap\"")).isGreaterThan(0);
        assertThat(after.text).contains("# TYPE connector_ingest_duration_seconds histogram");
    }

    @Test
    void theGaugesReadThroughTheSweepsPool() throws Exception {
        // The harness turns the sweeps' timers off, so without the gauges (refreshed every 200 ms here, two reads
        // each) nothing borrows from that pool unless a test runs a sweep, which borrows a few times at most.
        Scrape before = scrape();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(scrape().delta(before, "hikaricp_connections_usage_seconds_count", "pool=\"connector-sweeps\""))
                        .isGreaterThanOrEqualTo(10));
        assertThat(scrape().value("connector_metrics_database_up")).isEqualTo(1);
    }

    @Test
    void everyMetricTheGrafanaDashboardAndTheAlertRulesQueryIsExported() throws Exception {
        String dashboard = Files.readString(Path.of("config/observability/grafana-dashboard.json"))
                + Files.readString(Path.of("config/observability/prometheus-alerts.yml"));
        new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(Path.of("config/observability/prometheus-alerts.yml").toFile()); // well-formed YAML
        Matcher names = Pattern.compile("\\b((?:connector|hikaricp|jvm|process|system)_[a-z_]+)\\b").matcher(dashboard);
        Scrape scrape = scrape();
        java.util.Set<String> queried = new java.util.TreeSet<>();
        while (names.find()) {
            queried.add(names.group(1));
        }
        assertThat(queried).hasSizeGreaterThan(15);
        for (String name : queried) {
            assertThat(scrape.text()).as("dashboard queries %s", name).containsPattern("(?m)^" + name + "[{ ]");
        }
    }

    HttpResponse<String> post(Webhooks.Request r) throws Exception {
        return app.post(r.path(), r.headers(), r.body());
    }

    static Scrape scrape() throws Exception {
        HttpResponse<String> r = app.get(app.mgmtPort, "/observe/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        return new Scrape(r.body());
    }

    /** One scrape; a sample is found by name and label fragments (all must appear on its line). */
    record Scrape(String text) {
        private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);

        Double value(String name, String... labels) {
            Matcher m = SAMPLE.matcher(text);
            Double sum = null;
            while (m.find()) {
                String labelText = m.group(2) == null ? "" : m.group(2);
                boolean all = true;
                for (String l : labels) {
                    all &= labelText.contains(l);
                }
                if (m.group(1).equals(name) && all) {
                    sum = (sum == null ? 0 : sum) + Double.parseDouble(m.group(3));
                }
            }
            return sum;
        }

        double delta(Scrape before, String name, String... labels) {
            Double now = value(name, labels);
            assertThat(now).as(name + " " + String.join(",", labels)).isNotNull();
            Double then = before.value(name, labels);
            return now - (then == null ? 0 : then);
        }
    }
}
