package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.storage.EmbeddedDatabase;
import org.junit.jupiter.api.Test;

/**
 * The connector against a PostgreSQL server the test controls: while the database is down webhooks get 503
 * (the provider retries) and readiness goes down; when it returns the connector recovers by itself; and a
 * Sinch nonce seen before a connector restart is still refused after it.
 */
class StorageOutageTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void answers503WhileTheDatabaseIsDownRecoversAloneAndRemembersNoncesAcrossRestarts() throws Exception {
        Path pgDir = ConnectorHarness.testDir("outage");
        int pgPort = ConnectorHarness.freePort();
        EmbeddedDatabase db = EmbeddedDatabase.start(pgDir, pgPort);
        Map<String, String> external = Map.of(
                "connector.db.url", "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres",
                "connector.db.user", "postgres",
                "connector.db.connection-timeout-ms", "1000");
        ConnectorHarness app = ConnectorHarness.start(external);
        long ts = Webhooks.now();
        byte[] before = WebhookIngestTest.uniqueSinch("outage-before");
        try {
            assertThat(post(app, Webhooks.sinch(before, "outage-nonce-1", ts, Webhooks.SINCH_SECRET)).statusCode()).isEqualTo(202);

            db.close();
            byte[] during = WebhookIngestTest.uniqueSinch("outage-during");
            HttpResponse<String> down = post(app, Webhooks.sinch(during));
            assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
            assertThat(JSON.readTree(down.body()).get("error").asText()).isEqualTo("storage_unavailable");
            assertThat(down.headers().firstValue("retry-after")).isPresent();
            assertThat(app.get(app.mgmtPort, "/observe/health/ready").statusCode()).isEqualTo(503);

            db = EmbeddedDatabase.start(pgDir, pgPort);
            // The provider's retry of the refused event goes through once the pool has reconnected.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> post(app, Webhooks.sinch(during)).statusCode() == 202);
            assertThat(app.get(app.mgmtPort, "/observe/health/ready").statusCode()).isEqualTo(200);
        } finally {
            app.close();
        }

        ConnectorHarness restarted = ConnectorHarness.start(external);
        try {
            HttpResponse<String> replay = post(restarted, Webhooks.sinch(before, "outage-nonce-1", ts, Webhooks.SINCH_SECRET));
            assertThat(replay.statusCode()).as(replay.body()).isEqualTo(401);
            assertThat(replay.body()).contains("nonce");
            int stored = restarted.jdbi().withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM inbox_event WHERE provider_event_id IN ('message:outage-before', 'message:outage-during')")
                    .mapTo(Integer.class).one());
            assertThat(stored).isEqualTo(2);
        } finally {
            restarted.close();
            db.close();
        }
    }

    static HttpResponse<String> post(ConnectorHarness app, Webhooks.Request r) throws Exception {
        return app.post(r.path(), r.headers(), r.body());
    }
}
