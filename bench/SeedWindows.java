import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Seeds N contacts with WhatsApp windows (and conversations) straight into the connector's database, for the
 * window-query benchmark. Phones are +57300 followed by 7 digits (0000000 … N-1), as LoadDriver --window asks.
 *   java -cp target/lib/postgresql-<version>.jar bench/SeedWindows.java jdbc:postgresql://127.0.0.1:PORT/postgres N
 */
public class SeedWindows {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[1]);
        long start = System.nanoTime();
        try (Connection c = DriverManager.getConnection(a[0], "postgres", ""); Statement s = c.createStatement()) {
            s.execute("""
                    INSERT INTO contact_window (contact_phone, source, last_inbound_at, pricing_category, pricing_at, updated_at)
                    SELECT '+57300' || lpad(i::text, 7, '0'), 'sinch-bench', now() - make_interval(mins => mod(i, 2880)),
                           CASE WHEN mod(i, 3) = 0 THEN 'service' END, now(), now()
                    FROM generate_series(0, %d) AS i
                    ON CONFLICT DO NOTHING""".formatted(n - 1));
            s.execute("""
                    INSERT INTO conversation (id, source, provider_conversation_id, channel, contact_phone, status, status_at,
                                              opened_at, last_activity_at, last_inbound_at, created_at, updated_at)
                    SELECT 'conv_seed' || i, 'sinch-bench', 'seed-' || i, 'whatsapp', '+57300' || lpad(i::text, 7, '0'), 'open', now(),
                           now(), now(), now() - make_interval(mins => mod(i, 2880)), now(), now()
                    FROM generate_series(0, %d) AS i
                    ON CONFLICT DO NOTHING""".formatted(n - 1));
            s.execute("ANALYZE contact_window; ANALYZE conversation; ANALYZE opt_out");
        }
        System.out.printf("seeded %d contacts in %.1f s%n", n, (System.nanoTime() - start) / 1e9);
    }
}
