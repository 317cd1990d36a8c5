import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * For benchmarks against an external PostgreSQL (BENCH_DB_URL in bench/lib.sh): creates or drops the run's own
 * database, so every run starts empty. The name is made by bench/lib.sh (bench_ and digits), never user input.
 *   java -cp target/lib/postgresql-<version>.jar bench/BenchDatabase.java jdbc:postgresql://HOST:PORT/postgres create|drop NAME
 */
public class BenchDatabase {
    public static void main(String[] a) throws Exception {
        if (!a[2].matches("bench_[0-9]+")) {
            throw new IllegalArgumentException("not a benchmark database name: " + a[2]);
        }
        try (Connection c = DriverManager.getConnection(a[0], "postgres", ""); Statement s = c.createStatement()) {
            s.execute(switch (a[1]) {
                case "create" -> "CREATE DATABASE " + a[2];
                case "drop" -> "DROP DATABASE IF EXISTS " + a[2] + " WITH (FORCE)";
                default -> throw new IllegalArgumentException("create or drop, not " + a[1]);
            });
        }
    }
}
