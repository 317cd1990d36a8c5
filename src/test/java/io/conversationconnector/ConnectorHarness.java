package io.conversationconnector;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.conversationconnector.storage.Database;
import org.apache.camel.main.Main;
import org.jdbi.v3.core.Jdbi;

/**
 * The real connector, in-process: camel-main with the YAML routes from ./routes, src/test/resources/test-config
 * as CONNECTOR_CONFIG_DIR, real HTTP on 127.0.0.1 and real PostgreSQL (embedded unless a DB URL is given).
 * {@link #shared()} is one instance for all test classes that need nothing special.
 */
public final class ConnectorHarness implements AutoCloseable {
    public static final String ADMIN_TOKEN = "test-admin-token";
    private static ConnectorHarness shared;

    private final Main main;
    public final TestClock clock;
    public final int httpPort;
    public final int mgmtPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ConnectorHarness(Main main, TestClock clock, int httpPort, int mgmtPort) {
        this.main = main;
        this.clock = clock;
        this.httpPort = httpPort;
        this.mgmtPort = mgmtPort;
    }

    public static synchronized ConnectorHarness shared() throws Exception {
        if (shared == null) {
            LogCapture.install(); // from the very first start-up line
            shared = start(Map.of());
            ConnectorHarness toClose = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    toClose.close();
                } catch (Exception ignored) {
                    // JVM is exiting
                }
            }));
        }
        return shared;
    }

    /** Starts a connector; overrides are Camel properties (e.g. connector.db.url). */
    public static ConnectorHarness start(Map<String, String> overrides) throws Exception {
        Path dataDir = testDir("run");
        return start(overrides, dataDir);
    }

    public static ConnectorHarness start(Map<String, String> overrides, Path dataDir) throws Exception {
        int httpPort = freePort();
        int mgmtPort = freePort();
        Main main = App.create();
        main.addOverrideProperty("camel.server.host", "127.0.0.1");
        main.addOverrideProperty("camel.server.port", Integer.toString(httpPort));
        main.addOverrideProperty("camel.management.host", "127.0.0.1");
        main.addOverrideProperty("camel.management.port", Integer.toString(mgmtPort));
        main.addOverrideProperty("connector.config-dir", "src/test/resources/test-config");
        main.addOverrideProperty("connector.data-dir", dataDir.toString());
        main.addOverrideProperty("connector.admin-token", ADMIN_TOKEN);
        main.addOverrideProperty("camel.server.max-body-size", "1048576");
        main.addOverrideProperty("connector.shutdown.drain-delay", "0s");
        // Sweeps run when a test asks (POST /api/sweeps/{name}/run), at the TestClock's time, never on their own;
        // each connector in this JVM gets its own Quartz scheduler (Quartz keeps them in a JVM-wide registry by name).
        main.addOverrideProperty("connector.sweep.cron-expression", "0 0 0 1 1 ? 2099");
        main.addOverrideProperty("connector.retention.cron", "0 0 0 1 1 ? 2099");
        main.addOverrideProperty("connector.sweep.scheduler-name", "test-" + System.nanoTime());
        overrides.forEach(main::addOverrideProperty);
        TestClock clock = new TestClock();
        main.bind("clock", clock);
        main.start();
        return new ConnectorHarness(main, clock, httpPort, mgmtPort);
    }

    public Jdbi jdbi() {
        return main.getCamelContext().getRegistry().lookupByNameAndType("database", Database.class).jdbi();
    }

    public HttpResponse<String> post(String path, Map<String, String> headers, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Any admin API call; headers as name/value pairs, e.g. "Accept", "text/csv". */
    public HttpResponse<String> api(String method, String path, String token, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public org.apache.camel.CamelContext context() {
        return main.getCamelContext();
    }

    /**
     * A config directory in {@code dir}: the test sources, and one subscription "crm" to every event at {@code url}
     * signed with {@code secret}; {@code options} are more YAML lines of that subscription (e.g. "timeout: 2s").
     */
    public static Path configWithSubscription(Path dir, String url, String secret, String... options) throws IOException {
        Path config = Files.createDirectories(dir);
        Files.copy(Path.of("src/test/resources/test-config/sources.yaml"), config.resolve("sources.yaml"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        StringBuilder yaml = new StringBuilder("subscriptions:\n  - id: crm\n    url: " + url + "\n    events: [\"*\"]\n    secret: " + secret + "\n");
        for (String option : options) {
            yaml.append("    ").append(option).append('\n');
        }
        Files.writeString(config.resolve("subscriptions.yaml"), yaml.toString());
        return config;
    }

    /** A new, unique path under target/test-data (not created; its parent is), named for what the test puts there. */
    public static Path testDir(String name) throws IOException {
        return Files.createDirectories(Path.of("target", "test-data")).resolve(name + "-" + System.nanoTime()).toAbsolutePath();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
