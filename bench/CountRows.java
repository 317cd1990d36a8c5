import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/** Durability check after the ingest benchmark: the inbox holds at least every acknowledged event. */
public class CountRows {
    public static void main(String[] a) throws Exception {
        long acknowledged = Long.parseLong(a[1]);
        try (Connection c = DriverManager.getConnection(a[0], "postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM inbox_event), (SELECT count(*) FROM conversation), (SELECT count(*) FROM contact_window)")) {
            rs.next();
            long stored = rs.getLong(1);
            System.out.printf("stored_events=%d conversations=%d windows=%d (acknowledged in the measured window: %d; warm-up rows come on top)%n",
                    stored, rs.getLong(2), rs.getLong(3), acknowledged);
            if (stored < acknowledged) {
                System.out.println("FEWER ROWS THAN ACKNOWLEDGED");
                System.exit(1);
            }
        }
    }
}
