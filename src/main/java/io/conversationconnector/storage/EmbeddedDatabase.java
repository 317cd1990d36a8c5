package io.conversationconnector.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.conversationconnector.config.ConfigException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server from Maven-packaged binaries, with its data under DATA_DIR/postgres.
 * Unlike the test-oriented defaults of the launcher, fsync and synchronous_commit stay on: a 2xx to a provider
 * must survive power loss. A server left behind by a killed connector (kill -9 skips shutdown hooks, and the
 * postmaster is a daemon) is stopped before starting, so start-up recovers by itself. The server runs until
 * {@link #close}; nothing stops it when the JVM exits. One connector at a time owns a data directory (a lock
 * on DATA_DIR/connector.lock, which the operating system releases when the process ends, even by kill -9): a
 * second one started on it stops at once, instead of taking the first one's server for a leftover.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
    /** The setting a data directory problem is reported under. */
    private static final String DATA_DIR_KEY = "connector.data-dir (DATA_DIR)";

    private final EmbeddedPostgres postgres;
    private final ProcessHandle server;
    private final FileChannel ownership;

    private EmbeddedDatabase(EmbeddedPostgres postgres, ProcessHandle server, FileChannel ownership) {
        this.postgres = postgres;
        this.server = server;
        this.ownership = ownership;
    }

    public static EmbeddedDatabase start(Path dataDir, int port) throws IOException {
        Path pgData = dataDir.resolve("postgres").toAbsolutePath();
        FileChannel ownership;
        try {
            Files.createDirectories(pgData.getParent());
            ownership = own(pgData.getParent());
        } catch (IOException e) {
            throw new ConfigException("application.properties", DATA_DIR_KEY, "cannot use " + pgData.getParent()
                    + " as the data directory (" + e + ")");
        }
        try {
            EmbeddedPostgres postgres = startServer(pgData, port);
            Optional<ProcessHandle> server = serverOf(pgData);
            if (server.isEmpty()) {
                postgres.close();
                throw new IOException("PostgreSQL started, but " + pgData + "/postmaster.pid names no live server");
            }
            return new EmbeddedDatabase(postgres, server.get(), ownership);
        } catch (IOException | RuntimeException e) {
            ownership.close();
            throw e;
        }
    }

    /** The lock that makes this process the data directory's only owner; closing the channel releases it. */
    private static FileChannel own(Path dataDir) throws IOException {
        FileChannel channel = FileChannel.open(dataDir.resolve("connector.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this same JVM
        }
        if (lock == null) {
            channel.close();
            throw new ConfigException("application.properties", DATA_DIR_KEY, dataDir
                    + " is in use by another running connector; each connector on a machine needs its own DATA_DIR");
        }
        return channel;
    }

    private static EmbeddedPostgres startServer(Path pgData, int port) throws IOException {
        stopServer(pgData);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                // Its owner stops it (Database.close, after the routes have stopped). The launcher's own JVM shutdown
                // hook would stop it at the SIGTERM, concurrently with the graceful shutdown: the webhooks of the
                // drain delay would be refused and in-flight deliveries could not record their outcome.
                .setRegisterShutdownHook(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setServerConfig("max_connections", "100")
                .setServerConfig("shared_buffers", "1GB")
                .setServerConfig("max_wal_size", "4GB")
                // WAL segments are recycled at checkpoints only down to this size: a burst of writes (a sweep) then
                // reuses them instead of creating and zero-filling new 16 MB files while commits wait.
                .setServerConfig("min_wal_size", "1GB")
                .setServerConfig("listen_addresses", "127.0.0.1");
        if (port > 0) {
            builder.setPort(port);
        }
        EmbeddedPostgres pg = builder.start();
        LOG.info("Embedded PostgreSQL running on 127.0.0.1:{} with data in {}", pg.getPort(), pgData);
        return pg;
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    public int port() {
        return postgres.getPort();
    }

    /** The postmaster's process id: the parent of every backend of this server. */
    public long serverPid() {
        return server.pid();
    }

    /**
     * Whether the server this connector started still runs. Nothing restarts it when it has died (killed, say):
     * liveness then goes DOWN, so a supervisor restarts the connector, which starts it again (WAL recovery).
     */
    public boolean isRunning() {
        return server.isAlive();
    }

    /**
     * The live PostgreSQL server holding a connector's DATA_DIR, if any; with {@link #stopLeftoverServer(Path)},
     * for whoever runs a connector as a separate process and must not leave its server behind (the tests).
     */
    public static Optional<ProcessHandle> runningServer(Path dataDir) throws IOException {
        return serverOf(dataDir.resolve("postgres").toAbsolutePath());
    }

    /** Shuts down the PostgreSQL server a killed connector left holding DATA_DIR, if any. */
    public static void stopLeftoverServer(Path dataDir) throws IOException {
        stopServer(dataDir.resolve("postgres").toAbsolutePath());
    }

    /** The live PostgreSQL server whose pid postmaster.pid names, if any (a pid file can outlive its server). */
    private static Optional<ProcessHandle> serverOf(Path pgData) throws IOException {
        Path pidFile = pgData.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false));
    }

    /** If a live PostgreSQL server holds pgData, shuts it down cleanly. */
    private static void stopServer(Path pgData) throws IOException {
        Optional<ProcessHandle> process = serverOf(pgData);
        if (process.isEmpty()) {
            return; // no pid file, or a stale one: PostgreSQL recovers from it by itself
        }
        ProcessHandle handle = process.get();
        long pid = handle.pid();
        LOG.warn("A PostgreSQL server (pid {}) from an earlier run still holds {}; stopping it", pid, pgData);
        handle.destroy(); // SIGTERM: smart shutdown; its old clients died with the previous connector
        try {
            handle.onExit().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("PostgreSQL pid {} did not stop in 60s; killing it (WAL recovery will run on start)", pid);
            handle.destroyForcibly();
            handle.onExit().join();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            postgres.close();
        } finally {
            ownership.close();
        }
    }
}
