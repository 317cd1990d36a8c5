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
 * Flyway applies the schema at start-up. Sweeps have a pool of their own ({@link #sweepJdbi()}): they never take
 * a connection ingest or delivery is waiting for, and on the embedded server their backends run at a lower CPU
 * priority ({@link BackgroundPriority}).
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
        HikariConfig config = new HikariConfig();
        config.setPoolName("connector-db");
        config.setJdbcUrl(url);
        if (user != null && !user.isBlank()) {
            config.setUsername(user);
        }
        if (password != null && !password.isBlank()) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(settings.poolSize());
        config.setConnectionTimeout(settings.connectionTimeoutMillis());
        config.setValidationTimeout(Math.min(settings.connectionTimeoutMillis(), 2000));
        if (settings.meters() != null) {
            config.setMetricRegistry(settings.meters());
        }
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("ApplicationName", "conversation-connector");
        // Keep bound values (payloads, phone numbers) out of driver exception messages and so out of logs.
        config.addDataSourceProperty("logServerErrorDetail", "false");
        HikariDataSource dataSource = null;
        HikariDataSource sweepSource;
        try {
            dataSource = new HikariDataSource(config);
            Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
            BackgroundPriority priority = embedded != null && settings.sweepNice() > 0
                    ? new BackgroundPriority(embedded.serverPid(), settings.sweepNice()) : null;
            sweepSource = new HikariDataSource(sweepPool(url, user, password, settings, priority));
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

    /**
     * The sweeps' pool: the same server, its own name (in pg_stat_activity too), and a patient connection timeout,
     * since a sweep can wait for a connection where a webhook should not.
     */
    private static HikariConfig sweepPool(String url, String user, String password, Settings settings, BackgroundPriority priority) {
        SweepConnections connections = new SweepConnections(priority);
        connections.setURL(url);
        if (user != null && !user.isBlank()) {
            connections.setUser(user);
        }
        if (password != null && !password.isBlank()) {
            connections.setPassword(password);
        }
        connections.setTcpKeepAlive(true);
        connections.setApplicationName("conversation-connector-sweeps");
        connections.setLogServerErrorDetail(false);
        HikariConfig config = new HikariConfig();
        config.setPoolName("connector-sweeps");
        config.setDataSource(connections);
        config.setMaximumPoolSize(settings.sweepPoolSize());
        config.setMinimumIdle(1);
        config.setConnectionTimeout(Math.max(settings.connectionTimeoutMillis(), 30_000));
        config.setValidationTimeout(Math.min(settings.connectionTimeoutMillis(), 2000));
        if (settings.meters() != null) {
            config.setMetricRegistry(settings.meters());
        }
        return config;
    }

    /** The sweeps' connections, each backend lowered as the pool opens it (when the server is the embedded one). */
    @SuppressWarnings("serial")
    private static final class SweepConnections extends PGSimpleDataSource {
        private final transient BackgroundPriority priority;

        SweepConnections(BackgroundPriority priority) {
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

    /** For sweeps (inactivity, window notices, retention) only: their own pool, at a lower priority when embedded. */
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
