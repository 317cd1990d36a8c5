import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Seeds N contacts with WhatsApp windows (and one open conversation each) straight into the connector's database,
 * for the window-query and sweep benchmarks. Phones are +57300 followed by 7 digits (0000000 … N-1), as
 * LoadDriver --window asks. With IDLE, the first IDLE conversations were last active two hours ago (the rest now);
 * with IDLE_SPREAD=1 in the environment, every (N / IDLE)-th instead; with IDLE_SINCE (epoch milliseconds) in the
 * environment, they were last active then instead of two hours ago (bench/sweep.sh's TRIGGER=timer makes them
 * become idle at a planned moment).
 *   java -cp target/lib/postgresql-<version>.jar bench/SeedWindows.java jdbc:postgresql://127.0.0.1:PORT/postgres N [IDLE]
 * With a PREFIX, only N more conversations (ids conv_PREFIXi, the first IDLE of them idle), for the phones above:
 *   ... bench/SeedWindows.java jdbc:postgresql://127.0.0.1:PORT/postgres N IDLE PREFIX
 */
public class SeedWindows {
    /**
     * Which of the n conversations are idle: the first IDLE (adjacent on the heap, the default), or if spread
     * every (n / IDLE)-th, spread over the heap's pages as in a database that grew over months.
     */
    static String idleCondition(int n, int idle, boolean spread) {
        if (idle <= 0) {
            return "false";
        }
        return spread ? "i % " + Math.max(1, n / idle) + " = 0" : "i < " + idle;
    }

    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[1]);
        int idle = a.length > 2 ? Integer.parseInt(a[2]) : 0;
        boolean spread = System.getenv("IDLE_SPREAD") != null;
        String idleSince = System.getenv("IDLE_SINCE") == null ? "now() - interval '2 hours'"
                : "to_timestamp(" + Long.parseLong(System.getenv("IDLE_SINCE")) + " / 1000.0)";
        boolean moreConversations = a.length > 3; // a PREFIX: conversations only, the contacts are seeded already
        String prefix = moreConversations ? a[3] : "seed";
        if (!prefix.matches("[a-z]+")) {
            throw new IllegalArgumentException("PREFIX: lower-case letters only");
        }
        long start = System.nanoTime();
        try (Connection c = DriverManager.getConnection(a[0], "postgres", ""); Statement s = c.createStatement()) {
            if (!moreConversations) {
                s.execute("""
                        INSERT INTO contact_window (contact_phone, source, last_inbound_at, pricing_category, pricing_at, updated_at)
                        SELECT '+57300' || lpad(i::text, 7, '0'), 'sinch-bench', now() - make_interval(mins => mod(i, 2880)),
                               CASE WHEN mod(i, 3) = 0 THEN 'service' END, now(), now()
                        FROM generate_series(0, %d) AS i
                        ON CONFLICT DO NOTHING""".formatted(n - 1));
            }
            s.execute("""
                    INSERT INTO conversation (id, source, provider_conversation_id, channel, contact_phone, status, status_at,
                                              opened_at, last_activity_at, last_inbound_at, created_at, updated_at)
                    SELECT 'conv_%s' || i, 'sinch-bench', '%s-' || i, 'whatsapp', '+57300' || lpad(i::text, 7, '0'), 'open', active,
                           active, active, now() - make_interval(mins => mod(i, 2880)), now(), now()
                    FROM (SELECT i, CASE WHEN %s THEN %s ELSE now() END AS active
                          FROM generate_series(0, %d) AS i) AS seed
                    ON CONFLICT DO NOTHING""".formatted(prefix, prefix, idleCondition(n, idle, spread), idleSince, n - 1));
            // Settled, as a database that grew over months is: vacuumed (visibility map, hint bits) and analyzed, so
            // autovacuum does not start on the new rows while a benchmark measures.
            for (String table : new String[] {"contact_window", "conversation", "opt_out"}) {
                s.execute("VACUUM (ANALYZE) " + table);
            }
            // And checkpointed since: PostgreSQL recycles WAL segments only at a checkpoint, so without one every
            // segment a benchmark then writes is created and zero-filled first (a fresh database's first minutes).
            // NO_CHECKPOINT=1 measures that case.
            if (System.getenv("NO_CHECKPOINT") == null) {
                s.execute("CHECKPOINT");
            }
        }
        System.out.printf("seeded %d %s (%d idle conversations%s) in %.1f s%n", n, moreConversations ? "conversations" : "contacts", idle,
                spread ? ", spread" : "", (System.nanoTime() - start) / 1e9);
    }
}
