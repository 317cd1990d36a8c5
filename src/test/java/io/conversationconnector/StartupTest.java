package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Start-up of a real connector JVM that cannot serve: it stops at once, says why, and starts nothing. */
class StartupTest {
    @Test
    void anHttpPortAnotherProgramHoldsStopsStartUpBeforeTheDatabaseStarts() throws Exception {
        Path data = Files.createDirectories(Path.of("target", "test-data")).resolve("port-taken-" + System.nanoTime()).toAbsolutePath();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            Process connector = ConnectorProcess.launch(CrashRecoveryTest.TEST_CONFIG, data, port, Map.of());
            try {
                assertThat(connector.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
            } finally {
                connector.destroyForcibly();
                CrashRecoveryTest.stopLeftoverPostgres(data); // only if the check let it get that far
            }
            assertThat(connector.exitValue()).isEqualTo(2);
            String log = Files.readString(data.resolveSibling(data.getFileName() + "-" + port + ".log"));
            assertThat(log).contains("Configuration error: application.properties: camel.server.port (HTTP_PORT): cannot listen on 127.0.0.1:" + port);
            assertThat(data.resolve("postgres")).as("no database was started").doesNotExist();
        }
    }
}
