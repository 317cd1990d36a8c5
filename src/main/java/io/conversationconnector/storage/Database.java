package io.conversationconnector.storage;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.conversationconnector.config.ConfigException;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's PostgreSQL: external when DB_URL is set, otherwise embedded under DATA_DIR. A HikariCP pool
 * whose connection timeout is short, so an unreachable database turns into a prompt 503 rather than a hang.
 * Flyway applies the schema at start-up. Sweeps have a pool of their own ({@link #sweepJdbi()}), shared with the
 * metrics gauges' periodic counts: background work never takes a connection ingest or delivery is waiting for, and
 * on the embedded server its backends run at a lower CPU priority ({@link BackgroundPriority}).
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final EmbeddedDatabase embedded;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final HikariDataSource sweepSource;
    private final Jdbi sweepJdbi;

    /**
     * @param sweepPoolSize connections of the sweeps' pool
     * @param sweepNice the nice value of the embedded server's sweep backends, 0 to leave them as they are
     * @param meters where the pools' metrics (hikaricp_*) go; null for none
     */
    public record Settings(String url, String user, String password, Path dataDir, int embeddedPort, int poolSize,
                           long connectionTimeoutMillis, int sweepPoolSize, int sweepNice,
                           io.micrometer.core.instrument.MeterRegistry meters) {
    }

    private Database(EmbeddedDatabase embedded, HikariDataSource dataSource, HikariDataSource sweepSource) {
        this.embedded = embedded;
        this.dataSource = dataSource;
        this.sweepSource = sweepSource;
        this.jdbi = withConnectorSettings(Jdbi.create(dataSource));
        this.sweepJdbi = withConnectorSettings(Jdbi.create(sweepSource));
    }

    private static Jdbi withConnectorSettings(Jdbi jdbi) {
        // Jdbi puts the statement and its bound values (payloads, phones) in exception messages, which get logged.
        jdbi.getConfig(org.jdbi.v3.core.statement.StatementExceptions.class)
                .setMessageRendering(org.jdbi.v3.core.statement.StatementExceptions.MessageRendering.NONE);
        jdbi.registerArgument(new InstantArgument());
        return jdbi;
    }

    /**
     * An {@link Instant} binds as a timestamptz in UTC (an OffsetDateTime), everywhere: Jdbi's own binding goes
     * through java.sql.Timestamp, whose meaning depends on the JVM's and the session's time zones.
     */
    private static final class InstantArgument extends AbstractArgumentFactory<Instant> {
        InstantArgument() {
            super(Types.TIMESTAMP_WITH_TIMEZONE);
        }

        @Override
        protected Argument build(Instant value, ConfigRegistry config) {
            OffsetDateTime utc = value.atOffset(ZoneOffset.UTC);
            return (position, statement, ctx) -> statement.setObject(position, utc);
        }
    }

    /** The SQLSTATE of the first SQLException in the cause chain whose state starts with one of the classes, else null. */
    static String sqlState(Throwable t, String... classes) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s && s.getSQLState() != null) {
                for (String prefix : classes) {
                    if (s.getSQLState().startsWith(prefix)) {
                        return s.getSQLState();
                    }
                }
            }
        }
        return null;
    }

    /** A timestamptz column as an Instant, or null: the reading side of {@link InstantArgument}. */
    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    public static Database start(Settings settings) throws Exception {
        EmbeddedDatabase embedded = null;
        String url = settings.url();
        String user = settings.user();
        String password = settings.password();
        if (url == null || url.isBlank()) {
            embedded = EmbeddedDatabase.start(settings.dataDir(), settings.embeddedPort());
            url = embedded.jdbcUrl();
            user = "postgres";
            password = "";
        }
        HikariDataSource dataSource = null;
        HikariDataSource sweepSource;
        try {
            dataSource = new HikariDataSource(pool("connector-db", connections(url, user, password, "conversation-connector", null),
                    settings.poolSize(), settings.poolSize(), settings.connectionTimeoutMillis(), settings));
            Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
            BackgroundPriority priority = embedded != null && settings.sweepNice() > 0
                    ? new BackgroundPriority(embedded.serverPid(), settings.sweepNice()) : null;
            // A sweep can wait for a connection where a webhook should not.
            sweepSource = new HikariDataSource(pool("connector-sweeps", connections(url, user, password, "conversation-connector-sweeps",
                    priority), settings.sweepPoolSize(), 1, Math.max(settings.connectionTimeoutMillis(), 30_000), settings));
        } catch (RuntimeException e) {
            if (dataSource != null) {
                dataSource.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
        LOG.info("Database ready ({})", embedded != null ? "embedded PostgreSQL, port " + embedded.port() : "external, DB_URL");
        return new Database(embedded, dataSource, sweepSource);
    }

    /** A pool of the given connections; the connection timeout is what a borrower waits before giving up. */
    private static HikariConfig pool(String name, Connections connections, int maxSize, int minIdle, long connectionTimeoutMillis,
                                     Settings settings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setDataSource(connections);
        config.setMaximumPoolSize(maxSize);
        config.setMinimumIdle(minIdle);
        config.setConnectionTimeout(connectionTimeoutMillis);
        config.setValidationTimeout(Math.min(settings.connectionTimeoutMillis(), 2000));
        if (settings.meters() != null) {
            config.setMetricRegistry(settings.meters());
        }
        return config;
    }

    /**
     * The connections of one pool, named in pg_stat_activity by applicationName, each backend lowered as the pool
     * opens it when a priority is given. A URL the driver cannot read stops start-up naming the setting, not the
     * URL (it may carry a password).
     */
    private static Connections connections(String url, String user, String password, String applicationName,
                                           BackgroundPriority priority) {
        Connections connections = new Connections(priority);
        try {
            connections.setURL(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("application.properties", "connector.db.url (DB_URL)",
                    "is not a PostgreSQL JDBC URL (jdbc:postgresql://HOST:PORT/DATABASE)");
        }
        if (user != null && !user.isBlank()) {
            connections.setUser(user);
        }
        if (password != null && !password.isBlank()) {
            connections.setPassword(password);
        }
        connections.setTcpKeepAlive(true);
        connections.setApplicationName(applicationName);
        // Keep bound values (payloads, phone numbers) out of driver exception messages and so out of logs.
        connections.setLogServerErrorDetail(false);
        return connections;
    }

    @SuppressWarnings("serial")
    private static final class Connections extends PGSimpleDataSource {
        private final transient BackgroundPriority priority;

        Connections(BackgroundPriority priority) {
            this.priority = priority;
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            Connection connection = super.getConnection(user, password);
            return priority == null ? connection : priority.lowered(connection);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /**
     * For background work only (the sweeps: inactivity, window notices, retention; the metrics gauges' counts): its own
     * pool, at a lower priority when embedded.
     */
    public Jdbi sweepJdbi() {
        return sweepJdbi;
    }

    /** The server this connector started and owns; null with an external database (DB_URL). */
    public EmbeddedDatabase embedded() {
        return embedded;
    }

    /** Cheap liveness of the database for readiness checks. */
    public boolean isReachable() {
        try (var c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        sweepSource.close();
        dataSource.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
