package io.conversationconnector.storage;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Liveness is down once the embedded PostgreSQL server has exited: unlike an external database, which comes back by
 * itself (readiness covers that outage), nothing but a restart of the connector brings it back.
 */
public final class EmbeddedServerHealthCheck extends AbstractHealthCheck {
    private final EmbeddedDatabase server;

    public EmbeddedServerHealthCheck(EmbeddedDatabase server) {
        super("connector", "embedded-database");
        this.server = server;
    }

    /** Camel's checks are readiness-only unless they say otherwise. */
    @Override
    public boolean isLiveness() {
        return true;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (server.isRunning()) {
            builder.up();
        } else {
            builder.detail("reason", "the embedded PostgreSQL server has exited; restart the connector").down();
        }
    }
}
