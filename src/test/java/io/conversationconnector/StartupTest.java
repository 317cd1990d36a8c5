package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Start-up of a real connector JVM that cannot serve: it stops at once, says why, and starts no database. */
class StartupTest {
    @Test
    void anHttpPortAnotherProgramHoldsStopsStartUpBeforeTheDatabaseStarts() throws Exception {
        try (ServerSocket taken = listening()) {
            int port = taken.getLocalPort();
            assertStopsNaming(port, Map.of(), "camel.server.port (HTTP_PORT): cannot listen on 127.0.0.1:" + port);
        }
    }

    @Test
    void aManagementPortAnotherProgramHoldsStopsStartUpToo() throws Exception {
        try (ServerSocket taken = listening()) {
            int port = taken.getLocalPort();
            assertStopsNaming(ConnectorHarness.freePort(), Map.of("MGMT_PORT", Integer.toString(port)),
                    "camel.management.port (MGMT_PORT): cannot listen on 127.0.0.1:" + port);
        }
    }

    private static ServerSocket listening() throws Exception {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        return s;
    }

    private static void assertStopsNaming(int httpPort, Map<String, String> env, String problem) throws Exception {
        Path data = Files.createDirectories(Path.of("target", "test-data")).resolve("port-taken-" + System.nanoTime()).toAbsolutePath();
        Process connector = ConnectorProcess.launch(CrashRecoveryTest.TEST_CONFIG, data, httpPort, env);
        try {
            assertThat(connector.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
        } finally {
            connector.destroyForcibly();
            CrashRecoveryTest.stopLeftoverPostgres(data); // only if the check let it get that far
        }
        assertThat(connector.exitValue()).isEqualTo(2);
        String log = Files.readString(data.resolveSibling(data.getFileName() + "-" + httpPort + ".log"));
        assertThat(log).contains("Configuration error: application.properties: " + problem);
        assertThat(data.resolve("postgres")).as("no database was started").doesNotExist();
    }
}
