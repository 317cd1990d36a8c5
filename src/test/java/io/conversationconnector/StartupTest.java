package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
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

    @Test
    void aDataDirectoryThatCannotBeCreatedStopsStartUpNamingTheKey() throws Exception {
        Path data = ConnectorHarness.testDir("startup");
        Path file = Files.createDirectories(data).resolve("a-file");
        Files.writeString(file, "not a directory");
        assertStopsNaming(data, ConnectorHarness.freePort(), Map.of("DATA_DIR", file.resolve("data").toString()),
                "connector.data-dir (DATA_DIR): cannot use " + file.resolve("data") + " as the data directory");
    }

    @Test
    void aDatabaseUrlTheDriverCannotReadStopsStartUpNamingTheKeyButNotTheUrl() throws Exception {
        Path data = ConnectorHarness.testDir("startup");
        int port = ConnectorHarness.freePort();
        assertStopsNaming(data, port, Map.of("DB_URL", "jdbc:mysql://127.0.0.1/crm?password=hunter2"),
                "connector.db.url (DB_URL): is not a PostgreSQL JDBC URL");
        String log = Files.readString(data.resolveSibling(data.getFileName() + "-" + port + ".log"));
        assertThat(log).as("the URL may carry a password").doesNotContain("hunter2");
        assertThat(data.resolve("postgres")).as("no database was started").doesNotExist();
    }

    /** Without the lock, the second took the first one's running server for a leftover and shut it down. */
    @Test
    void aSecondConnectorOnTheSameDataDirectoryStopsAndLeavesTheFirstOneServing() throws Exception {
        Path data = ConnectorHarness.testDir("startup");
        int firstPort = ConnectorHarness.freePort();
        Process first = ConnectorProcess.launch(CrashRecoveryTest.TEST_CONFIG, data, firstPort, Map.of());
        try {
            ConnectorProcess.awaitReady(firstPort);
            long serverPid = CrashRecoveryTest.postmasterPid(data);
            assertStopsNaming(data, ConnectorHarness.freePort(), Map.of(), "connector.data-dir (DATA_DIR): " + data
                    + " is in use by another running connector");
            assertThat(CrashRecoveryTest.postmasterPid(data)).as("the first one's server").isEqualTo(serverPid);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + CrashRecoveryTest.postmasterPort(data)
                    + "/postgres", "postgres", "")) {
                assertThat(c.isValid(2)).as("the first one's server takes new connections").isTrue();
            }
            assertThat(ConnectorProcess.postAcknowledgedSinch(firstPort, "shared-data-", 2)).hasSize(2);
        } finally {
            first.destroy();
            first.waitFor(60, TimeUnit.SECONDS);
            first.destroyForcibly();
            CrashRecoveryTest.stopLeftoverPostgres(data);
        }
    }

    private static ServerSocket listening() throws Exception {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        return s;
    }

    private static void assertStopsNaming(int httpPort, Map<String, String> env, String problem) throws Exception {
        Path data = ConnectorHarness.testDir("startup");
        try {
            assertStopsNaming(data, httpPort, env, problem);
        } finally {
            CrashRecoveryTest.stopLeftoverPostgres(data); // only if the check let it get that far
        }
        assertThat(data.resolve("postgres")).as("no database was started").doesNotExist();
    }

    private static void assertStopsNaming(Path data, int httpPort, Map<String, String> env, String problem) throws Exception {
        Process connector = ConnectorProcess.launch(CrashRecoveryTest.TEST_CONFIG, data, httpPort, env);
        try {
            assertThat(connector.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
        } finally {
            connector.destroyForcibly();
        }
        assertThat(connector.exitValue()).isEqualTo(2);
        String log = Files.readString(data.resolveSibling(data.getFileName() + "-" + httpPort + ".log"));
        assertThat(log).contains("Configuration error: application.properties: " + problem);
    }
}
