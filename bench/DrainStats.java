import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;

/**
 * Backlog drain (bench/drain.sh): with the subscription paused and its backlog queued, enables it through the
 * admin API and waits until nothing is pending; then reports how fast the backlog drained: deliveries /
 * (enable → last CRM answer), from the attempt log.
 *   java -cp <postgresql jar> bench/DrainStats.java jdbcUrl adminBaseUrl adminToken subscriptionId
 */
public class DrainStats {
    public static void main(String[] a) throws Exception {
        try (Connection c = DriverManager.getConnection(a[0], "postgres", ""); Statement s = c.createStatement()) {
            long backlog = count(s, "SELECT count(*) FROM outbox WHERE state IN ('pending', 'retrying')");
            System.out.printf("backlog=%d%s%n", backlog, backlog < 100_000 ? " (BELOW 100,000: raise DURATION)" : "");
            Instant enabledAt = Instant.now();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(a[1] + "/api/subscriptions/" + a[3] + "/enable"))
                    .header("Authorization", "Bearer " + a[2]).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("enable answered " + r.statusCode() + ": " + r.body());
            }
            long deadline = System.currentTimeMillis() + 600_000;
            long pending;
            while ((pending = count(s, "SELECT count(*) FROM outbox WHERE state IN ('pending', 'retrying')")) > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(250);
            }
            try (ResultSet rs = s.executeQuery("""
                    SELECT count(*) FILTER (WHERE o.state = 'delivered'), count(*) FILTER (WHERE o.state = 'dead'),
                           max(a.started_at + make_interval(secs => a.latency_ms / 1000.0)),
                           (SELECT count(*) FROM delivery_attempt)
                    FROM outbox o LEFT JOIN delivery_attempt a ON a.outbox_id = o.id AND a.outcome = 'delivered'""")) {
                rs.next();
                long delivered = rs.getLong(1);
                Instant last = rs.getTimestamp(3).toInstant();
                double seconds = (last.toEpochMilli() - enabledAt.toEpochMilli()) / 1000.0;
                System.out.printf("delivered=%d dead=%d still_pending=%d attempts=%d%n", delivered, rs.getLong(2), pending, rs.getLong(4));
                System.out.printf("drain_per_s=%.0f (%d deliveries in %.1f s: enable -> last CRM answer)%n", delivered / seconds, delivered, seconds);
            }
        }
    }

    static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
