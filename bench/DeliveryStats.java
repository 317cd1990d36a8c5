import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * After the delivery benchmark: waits (up to 120 s) until nothing is pending, then reports delivery throughput
 * and end-to-end latency: signed provider POST received (inbox received_at) → CRM answered (the delivering
 * attempt's start + its latency), split into the wait before the POST and the POST itself; and → outcome stored
 * (outbox finished_at, which also waits for the rest of the batch).
 * Events received in the first warmupSeconds (cold JIT) are left out of the figures.
 *   java -cp target/lib/postgresql-<version>.jar bench/DeliveryStats.java jdbc:postgresql://127.0.0.1:PORT/postgres warmupSeconds
 */
public class DeliveryStats {
    public static void main(String[] a) throws Exception {
        int warmup = a.length > 1 ? Integer.parseInt(a[1]) : 0;
        try (Connection c = DriverManager.getConnection(a[0], "postgres", ""); Statement s = c.createStatement()) {
            long deadline = System.currentTimeMillis() + 120_000;
            long pending;
            do {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM outbox WHERE state IN ('pending', 'retrying')")) {
                    rs.next();
                    pending = rs.getLong(1);
                }
                if (pending > 0) {
                    Thread.sleep(500);
                }
            } while (pending > 0 && System.currentTimeMillis() < deadline);
            try (ResultSet rs = s.executeQuery("""
                    SELECT count(*) FILTER (WHERE o.state = 'delivered'), count(*) FILTER (WHERE o.state = 'dead'),
                           count(*) FILTER (WHERE o.state IN ('pending', 'retrying')),
                           count(*) FILTER (WHERE o.state = 'delivered')
                             / GREATEST(extract(epoch FROM max(o.finished_at) - min(e.received_at)), 0.001),
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.finished_at - e.received_at) * 1000),
                           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM o.finished_at - e.received_at) * 1000),
                           max(extract(epoch FROM o.finished_at - e.received_at) * 1000),
                           (SELECT count(*) FROM inbox_event)
                    FROM outbox o JOIN inbox_event e ON e.id = o.event_id
                    WHERE e.received_at >= (SELECT min(received_at) FROM inbox_event) + make_interval(secs => %d)""".formatted(warmup));
                 Statement s2 = c.createStatement();
                 ResultSet parts = s2.executeQuery("""
                    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY wait), percentile_cont(0.99) WITHIN GROUP (ORDER BY wait),
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY post), percentile_cont(0.99) WITHIN GROUP (ORDER BY post),
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY wait + post), percentile_cont(0.99) WITHIN GROUP (ORDER BY wait + post),
                           max(wait + post)
                    FROM (SELECT extract(epoch FROM a.started_at - e.received_at) * 1000 AS wait, a.latency_ms AS post
                          FROM delivery_attempt a JOIN outbox o ON o.id = a.outbox_id JOIN inbox_event e ON e.id = o.event_id
                          WHERE a.outcome = 'delivered'
                            AND e.received_at >= (SELECT min(received_at) FROM inbox_event) + make_interval(secs => %d)) x""".formatted(warmup))) {
                parts.next();
                rs.next();
                System.out.printf("after the %d s warm-up: ", warmup);
                System.out.printf("deliveries=%d delivered=%d dead=%d still_pending=%d%n", rs.getLong(1) + rs.getLong(2) + rs.getLong(3), rs.getLong(1), rs.getLong(2), rs.getLong(3));
                System.out.printf("delivered_per_s=%.0f (first event received -> last delivery answered)%n", rs.getDouble(4));
                System.out.printf("end_to_end_ms p50=%.1f p99=%.1f max=%.1f (provider POST received -> CRM answered)%n",
                        parts.getDouble(5), parts.getDouble(6), parts.getDouble(7));
                System.out.printf("  of which wait_ms p50=%.1f p99=%.1f (received -> POST started), post_ms p50=%.1f p99=%.1f%n",
                        parts.getDouble(1), parts.getDouble(2), parts.getDouble(3), parts.getDouble(4));
                System.out.printf("to_outcome_stored_ms p50=%.1f p99=%.1f max=%.1f (provider POST received -> outcome committed)%n",
                        rs.getDouble(5), rs.getDouble(6), rs.getDouble(7));
            }
        }
    }
}
