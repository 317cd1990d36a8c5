package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import io.conversationconnector.storage.EmbeddedDatabase;
import org.junit.jupiter.api.Test;

/**
 * The connector as a real separate JVM with its embedded PostgreSQL: killed with SIGKILL right after
 * acknowledging webhooks, then started again on the same data directory. The leftover PostgreSQL server
 * (a daemon that outlives the JVM) must not stop the restart, and every acknowledged event must be there.
 */
class CrashRecoveryTest {
    static final Path TEST_CONFIG = Path.of("src/test/resources/test-config").toAbsolutePath();

    @Test
    void killMinus9LosesNothingAcknowledgedAndTheNextStartRecoversByItself() throws Exception {
        Path dataDir = ConnectorHarness.testDir("crash");
        try {
            killAndRestart(dataDir);
        } finally {
            stopLeftoverPostgres(dataDir);
        }
    }

    void killAndRestart(Path dataDir) throws Exception {
        int port = ConnectorHarness.freePort();
        Process first = ConnectorProcess.launch(TEST_CONFIG, dataDir, port);
        List<String> acknowledged = new ArrayList<>();
        long leftoverPid;
        try {
            ConnectorProcess.awaitReady(port);
            acknowledged.addAll(ConnectorProcess.postAcknowledgedSinch(port, "crash-", 40));
            leftoverPid = postmasterPid(dataDir);
        } finally {
            first.destroyForcibly(); // SIGKILL: no shutdown hook runs, the PostgreSQL daemon is left behind
            first.waitFor();
        }
        assertThat(ProcessHandle.of(leftoverPid).map(ProcessHandle::isAlive)).hasValue(true);

        int port2 = ConnectorHarness.freePort();
        Process second = ConnectorProcess.launch(TEST_CONFIG, dataDir, port2);
        try {
            ConnectorProcess.awaitReady(port2);
            assertThat(postmasterPid(dataDir)).isNotEqualTo(leftoverPid);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postmasterPort(dataDir) + "/postgres", "postgres", "");
                 PreparedStatement s = c.prepareStatement("SELECT count(*) FROM inbox_event WHERE id = ANY (?)")) {
                s.setArray(1, c.createArrayOf("text", acknowledged.toArray()));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("acknowledged events present after kill -9").isEqualTo(acknowledged.size());
                }
            }
            assertThat(ConnectorProcess.post(port2, Webhooks.sinch(WebhookIngestTest.uniqueSinch("crash-after"))).statusCode()).isEqualTo(202);
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

    /** The embedded server killed under a running connector: only a restart brings it back, so liveness says so. */
    @Test
    void livenessGoesDownWhenTheEmbeddedServerHasExited() throws Exception {
        Path dataDir = ConnectorHarness.testDir("dead-server");
        int port = ConnectorHarness.freePort();
        int mgmt = ConnectorHarness.freePort();
        Process connector = ConnectorProcess.launch(TEST_CONFIG, dataDir, port, java.util.Map.of("MGMT_PORT", Integer.toString(mgmt)));
        try {
            ConnectorProcess.awaitReady(port);
            assertThat(GracefulShutdownTest.get(mgmt, "/observe/health/live")).isEqualTo(200);
            ProcessHandle server = ProcessHandle.of(postmasterPid(dataDir)).orElseThrow();
            server.destroyForcibly();
            server.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> GracefulShutdownTest.get(mgmt, "/observe/health/live") == 503);
        } finally {
            connector.destroy();
            connector.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            connector.destroyForcibly();
            stopLeftoverPostgres(dataDir);
        }
    }

    /**
     * Stops the PostgreSQL daemon a killed connector left in dataDir, if any: a test that fails before the restart
     * must not leave it running.
     */
    static void stopLeftoverPostgres(Path dataDir) {
        try {
            EmbeddedDatabase.stopLeftoverServer(dataDir);
        } catch (Exception e) {
            // best effort: the test's own assertion failure is the interesting one
        }
    }

    static long postmasterPid(Path dataDir) throws Exception {
        return EmbeddedDatabase.runningServer(dataDir).orElseThrow(() -> new AssertionError("no PostgreSQL server runs in " + dataDir)).pid();
    }

    static int postmasterPort(Path dataDir) throws Exception {
        return Integer.parseInt(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(3).strip());
    }
}
