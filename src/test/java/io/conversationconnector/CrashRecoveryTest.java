package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * The connector as a real separate JVM with its embedded PostgreSQL: killed with SIGKILL right after
 * acknowledging webhooks, then started again on the same data directory. The leftover PostgreSQL server
 * (a daemon that outlives the JVM) must not stop the restart, and every acknowledged event must be there.
 */
class CrashRecoveryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void killMinus9LosesNothingAcknowledgedAndTheNextStartRecoversByItself() throws Exception {
        Path dataDir = Files.createDirectories(Path.of("target", "test-data")).resolve("crash-" + System.nanoTime()).toAbsolutePath();
        try {
            killAndRestart(dataDir);
        } finally {
            stopLeftoverPostgres(dataDir);
        }
    }

    void killAndRestart(Path dataDir) throws Exception {
        int port = ConnectorHarness.freePort();
        Process first = launch(dataDir, port, ConnectorHarness.freePort());
        List<String> acknowledged = new ArrayList<>();
        long leftoverPid;
        try {
            awaitReady(port);
            for (int i = 0; i < 40; i++) {
                Webhooks.Request r = Webhooks.sinch(WebhookIngestTest.uniqueSinch("crash-" + i));
                HttpResponse<String> resp = post(port, r);
                assertThat(resp.statusCode()).isEqualTo(202);
                acknowledged.add(JSON.readTree(resp.body()).get("id").asText());
            }
            leftoverPid = postmasterPid(dataDir);
        } finally {
            first.destroyForcibly(); // SIGKILL: no shutdown hook runs, the PostgreSQL daemon is left behind
            first.waitFor();
        }
        assertThat(ProcessHandle.of(leftoverPid).map(ProcessHandle::isAlive)).hasValue(true);

        int port2 = ConnectorHarness.freePort();
        Process second = launch(dataDir, port2, ConnectorHarness.freePort());
        try {
            awaitReady(port2);
            assertThat(postmasterPid(dataDir)).isNotEqualTo(leftoverPid);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postmasterPort(dataDir) + "/postgres", "postgres", "");
                 PreparedStatement s = c.prepareStatement("SELECT count(*) FROM inbox_event WHERE id = ANY (?)")) {
                s.setArray(1, c.createArrayOf("text", acknowledged.toArray()));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("acknowledged events present after kill -9").isEqualTo(acknowledged.size());
                }
            }
            assertThat(post(port2, Webhooks.sinch(WebhookIngestTest.uniqueSinch("crash-after"))).statusCode()).isEqualTo(202);
        } finally {
            long pid = postmasterPid(dataDir);
            second.destroy(); // SIGTERM: graceful, stops its PostgreSQL too
            second.waitFor();
            ProcessHandle.of(pid).ifPresent(p -> {
                if (p.isAlive()) {
                    p.destroy();
                }
            });
        }
    }

    Process launch(Path dataDir, int httpPort, int mgmtPort) throws Exception {
        String classpath = "target/classes" + File.pathSeparator + Files.readString(Path.of("target", "runtime-classpath.txt")).strip();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, "io.conversationconnector.App");
        Map<String, String> env = pb.environment();
        env.put("HTTP_HOST", "127.0.0.1");
        env.put("HTTP_PORT", Integer.toString(httpPort));
        env.put("MGMT_HOST", "127.0.0.1");
        env.put("MGMT_PORT", Integer.toString(mgmtPort));
        env.put("DATA_DIR", dataDir.toString());
        env.put("CONNECTOR_CONFIG_DIR", "src/test/resources/test-config");
        env.put("ADMIN_TOKEN", "crash-test");
        env.remove("DB_URL");
        pb.redirectErrorStream(true);
        pb.redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + "-" + httpPort + ".log").toFile());
        Files.createDirectories(dataDir);
        return pb.start();
    }

    void awaitReady(int httpPort) {
        // Readiness is on the management port; a webhook answer (401 for an unsigned POST) proves the routes too.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/webhooks/sinch-test"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 401);
    }

    HttpResponse<String> post(int port, Webhooks.Request r) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + r.path()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(r.body()));
        r.headers().forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Stops the PostgreSQL daemon a killed connector left in dataDir, if any: a test that fails before the restart
     * must not leave it running.
     */
    static void stopLeftoverPostgres(Path dataDir) {
        try {
            if (Files.exists(dataDir.resolve("postgres").resolve("postmaster.pid"))) {
                ProcessHandle.of(postmasterPid(dataDir)).filter(ProcessHandle::isAlive).ifPresent(p -> {
                    p.destroy();
                    p.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
                });
            }
        } catch (Exception e) {
            // best effort: the test's own assertion failure is the interesting one
        }
    }

    static long postmasterPid(Path dataDir) throws Exception {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(0).strip());
    }

    static int postmasterPort(Path dataDir) throws Exception {
        return Integer.parseInt(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(3).strip());
    }
}
