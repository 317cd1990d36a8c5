package io.conversationconnector.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the embedded PostgreSQL's backends that serve sweeps at a lower CPU priority (a nice value), so a sweep
 * takes the CPU that ingest leaves idle instead of an equal share of it. A sweep of 100,000 closes keeps about a
 * core busy for several seconds; on two cores, sharing them equally with ingest's backends raised ingest's p99
 * more than 2 times in seven runs of seven, at nice 19 in nine of sixteen, and the sweep took as long
 * (bench/SWEEP-NOTES.md, 2026-12-07).
 * <p>
 * Where Linux groups tasks by session for scheduling (autogroups, on by default), each PostgreSQL backend is a group
 * of its own (a backend starts its own session), and only the group's nice counts: it is set through
 * {@code /proc/PID/autogroup}. With autogroups off the process's own nice counts, set with {@code renice}. Only
 * children of the embedded server's postmaster are touched; raising a nice value needs no privilege. Should it
 * fail (no procfs, a kernel without autogroups, no renice), one warning says so and sweeps run at normal priority.
 */
public final class BackgroundPriority {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundPriority.class);
    private static final Pattern AUTOGROUP_NICE = Pattern.compile("nice (-?\\d+)");
    /** Where autogroups are switched on or off; absent on kernels built without them. */
    private static final Path AUTOGROUPS_ENABLED = Path.of("/proc/sys/kernel/sched_autogroup_enabled");

    public static final String SETTING = "connector.sweep.database-nice";

    private final long postmasterPid;
    private final int nice;
    private final boolean autogroups;
    private volatile boolean givenUp;
    private final AtomicBoolean announced = new AtomicBoolean();

    /** @param nice 1 (slightly lower) to 19 (lowest) */
    public BackgroundPriority(long postmasterPid, int nice) {
        this(postmasterPid, nice, autogroupsEnabled());
    }

    BackgroundPriority(long postmasterPid, int nice, boolean autogroups) {
        if (nice < 1 || nice > 19) {
            throw new IllegalArgumentException("nice must be 1 to 19, not " + nice);
        }
        this.postmasterPid = postmasterPid;
        this.nice = nice;
        this.autogroups = autogroups;
    }

    static boolean autogroupsEnabled() {
        try {
            return Files.readString(AUTOGROUPS_ENABLED).strip().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    /** The connection, its backend lowered (called as the pool opens it). */
    public Connection lowered(Connection connection) throws SQLException {
        if (!givenUp) {
            lower(connection.unwrap(PGConnection.class).getBackendPID());
        }
        return connection;
    }

    /** Lowers the process if it is a child of the postmaster and not lowered yet; never throws. */
    void lower(long pid) {
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    lowerOnce(pid);
                    return;
                } catch (IOException | RuntimeException e) {
                    // An unprivileged process may change an autogroup's nice once per 100 ms (EAGAIN): wait, try again.
                    if (attempt >= 5 || !String.valueOf(e.getMessage()).contains("Resource temporarily unavailable")) {
                        throw e;
                    }
                }
                Thread.sleep(110);
            }
        } catch (IOException | RuntimeException e) {
            givenUp = true;
            LOG.warn("Could not lower the CPU priority of the PostgreSQL backends that serve sweeps ({}); they run at "
                    + "normal priority. {} = 0 switches this off.", e.toString(), SETTING);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void lowerOnce(long pid) throws IOException, InterruptedException {
        if (!Files.isDirectory(Path.of("/proc/self"))) {
            throw new IOException("this system has no /proc");
        }
        ProcStat stat = ProcStat.read(pid);
        if (stat == null || stat.parentPid() != postmasterPid) {
            return; // gone, or not this server's backend
        }
        if (autogroups) {
            Path group = Path.of("/proc", Long.toString(pid), "autogroup");
            if (autogroupNice(Files.readString(group)) < nice) {
                Files.writeString(group, Integer.toString(nice));
                lowered(pid, "their scheduling groups (/proc/PID/autogroup)");
            }
        } else if (stat.nice() < nice) {
            renice(pid);
            lowered(pid, "renice");
        }
    }

    private void lowered(long pid, String how) {
        if (announced.compareAndSet(false, true)) {
            LOG.info("The PostgreSQL backends that serve sweeps run at nice {}, set through {} ({})", nice, how, SETTING);
        }
        LOG.debug("PostgreSQL backend {} (sweeps) at nice {}: {}", pid, nice, how);
    }

    private void renice(long pid) throws IOException, InterruptedException {
        Process renice = new ProcessBuilder(List.of("renice", "-n", Integer.toString(nice), "-p", Long.toString(pid)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!renice.waitFor(5, TimeUnit.SECONDS)) {
            renice.destroyForcibly();
            throw new IOException("renice did not finish in 5 s");
        }
        if (renice.exitValue() != 0) {
            throw new IOException("renice exited with " + renice.exitValue());
        }
    }

    /** The nice of an autogroup, from /proc/PID/autogroup ("/autogroup-42 nice 19"). */
    static int autogroupNice(String line) throws IOException {
        Matcher m = AUTOGROUP_NICE.matcher(line);
        if (!m.find()) {
            throw new IOException("unexpected autogroup line: " + line.strip());
        }
        return Integer.parseInt(m.group(1));
    }

    /** The two fields of /proc/PID/stat used here. */
    record ProcStat(long parentPid, int nice) {
        /** Null when the process is gone. */
        static ProcStat read(long pid) throws IOException {
            String line;
            try {
                line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            } catch (java.nio.file.NoSuchFileException e) {
                return null;
            }
            // The command name, in parentheses, may hold spaces: the fields are counted after its closing one.
            String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return new ProcStat(Long.parseLong(fields[1]), Integer.parseInt(fields[16]));
        }
    }
}
