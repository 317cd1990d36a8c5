package io.conversationconnector.sweep;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.quartz.SchedulerException;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * Quartz with its clustered JDBC job store in the connector's own database (tables by migration V8), on the
 * connector's connection pool. Every node with the same scheduler name shares the triggers, and each firing runs
 * on exactly one of them; a node that dies is noticed by the others after the check-in interval and its jobs
 * recovered. The scheduler name must be the same on all nodes (it is the SCHED_NAME in the tables).
 */
public final class ClusteredQuartz {
    private static final AtomicInteger DATA_SOURCES = new AtomicInteger();

    private ClusteredQuartz() {
    }

    /** A factory for the quartz component (it registers the CamelContext with the scheduler it creates). */
    public static StdSchedulerFactory factory(String schedulerName, DataSource dataSource, int threads) throws SchedulerException {
        // Quartz looks data sources up by name in a JVM-wide registry; a unique name keeps several contexts apart (tests).
        String dataSourceName = "connector-" + DATA_SOURCES.incrementAndGet();
        DBConnectionManager.getInstance().addConnectionProvider(dataSourceName, new PooledConnections(dataSource));
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", schedulerName);
        p.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", dataSourceName);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        // Recommended for clusters: triggers are acquired under the row lock, so two nodes never take the same one.
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        return new StdSchedulerFactory(p);
    }

    /** Borrows from the connector's pool; the pool's life is the connector's, so Quartz's shutdown leaves it alone. */
    private record PooledConnections(DataSource dataSource) implements ConnectionProvider {
        @Override
        public Connection getConnection() throws SQLException {
            return dataSource.getConnection();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public void initialize() {
        }
    }
}
