package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Developer mode (ROUTES_RELOAD=true) on a real JVM: the README's worked example — a log step added to
 * routes/treble.camel.yaml — takes effect without a restart; a file saved broken is refused and the running
 * routes keep answering.
 */
class RouteReloadTest {
    static final String LOG_STEP = """
                    - log:
                        message: "treble webhook of kind ${header.segment}"
            """;

    @Test
    void aSavedRouteFileIsReloadedAndABrokenOneIsRefused() throws Exception {
        Path base = ConnectorHarness.testDir("reload");
        Path routes = Files.createDirectories(base.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        Path config = Files.createDirectories(base.resolve("config"));
        Files.copy(Path.of("src/test/resources/test-config/sources.yaml"), config.resolve("sources.yaml"));
        int port = ConnectorHarness.freePort();
        Path data = base.resolve("data");
        int mgmt = ConnectorHarness.freePort();
        Process connector = ConnectorProcess.launch(config, data, port, Map.of("ROUTES_DIR", routes.toString(), "ROUTES_RELOAD", "true",
                "MGMT_PORT", Integer.toString(mgmt)));
        Path log = data.resolveSibling("data-" + port + ".log");
        try {
            ConnectorProcess.awaitReady(port);
            assertThat(send(port, "reload-1").statusCode()).isEqualTo(202);
            assertThat(Files.readString(log)).doesNotContain("treble webhook of kind");

            Path treble = routes.resolve("treble.camel.yaml");
            String original = Files.readString(treble);
            String anchor = "        - process:\n            id: treble-known-kind\n";
            assertThat(original).contains(anchor);
            Files.writeString(treble, original.replace(anchor, LOG_STEP + anchor));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(send(port, "reload-" + System.nanoTime()).statusCode()).isEqualTo(202);
                assertThat(Files.readString(log)).contains("treble webhook of kind response");
            });

            // Saved half-written: the reload fails, the routes that run stay.
            Files.writeString(treble, original.substring(0, original.length() / 2) + "\n  - : [unbalanced\n");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(Files.readString(log)).containsIgnoringCase("error"));
            assertThat(send(port, "reload-after-broken").statusCode()).isEqualTo(202);
            // The connector's metrics survive reloads (camel-micrometer only resets Camel's per-route meters).
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + mgmt + "/observe/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            Double accepted = new MetricsTest.Scrape(metrics).value("connector_webhooks_accepted_total", "source=\"treble-test\"");
            assertThat(accepted).isNotNull().isGreaterThanOrEqualTo(3);
        } finally {
            connector.destroy();
            connector.waitFor();
        }
    }

    static java.net.http.HttpResponse<String> send(int port, String session) throws Exception {
        return ConnectorProcess.post(port, ConversationStateTest.trebleResponse(session, ConversationStateTest.newPhone(), Instant.now(), "hola"));
    }
}
