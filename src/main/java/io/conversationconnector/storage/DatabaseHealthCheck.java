package io.conversationconnector.storage;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Readiness is down while the database cannot be reached: a load balancer should stop sending us webhooks. */
public final class DatabaseHealthCheck extends AbstractHealthCheck {
    private final Database database;

    public DatabaseHealthCheck(Database database) {
        super("connector", "database");
        this.database = database;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (database.isReachable()) {
            builder.up();
        } else {
            builder.detail("reason", "database unreachable").down();
        }
    }
}
