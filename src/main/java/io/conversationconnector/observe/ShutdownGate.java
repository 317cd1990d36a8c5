package io.conversationconnector.observe;

import java.time.Duration;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first thing a shutdown (SIGTERM) does: readiness goes down, then webhooks keep being served for the drain
 * delay so a load balancer polling readiness stops sending before the routes stop. After that Camel's graceful
 * shutdown stops the routes (in-flight requests finish and are committed; queued deliveries are made and their
 * outcomes stored) and closes the services.
 */
public final class ShutdownGate extends EventNotifierSupport {
    private static final Logger LOG = LoggerFactory.getLogger(ShutdownGate.class);
    private final Duration drainDelay;
    private volatile boolean stopping;

    public ShutdownGate(Duration drainDelay) {
        this.drainDelay = drainDelay;
        setIgnoreExchangeEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event.getType() == CamelEvent.Type.CamelContextStopping;
    }

    @Override
    public void notify(CamelEvent event) throws InterruptedException {
        stopping = true;
        LOG.info("Shutting down: readiness is DOWN; still serving for {} ms (connector.shutdown.drain-delay) before the routes stop",
                drainDelay.toMillis());
        if (!drainDelay.isZero()) {
            Thread.sleep(drainDelay.toMillis());
        }
    }

    /** Readiness: DOWN from the start of a shutdown. */
    public AbstractHealthCheck readiness() {
        return new AbstractHealthCheck("connector", "shutdown") {
            @Override
            public boolean isLiveness() {
                return false;
            }

            @Override
            protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
                if (stopping) {
                    builder.detail("reason", "shutting down").down();
                } else {
                    builder.up();
                }
            }
        };
    }
}
