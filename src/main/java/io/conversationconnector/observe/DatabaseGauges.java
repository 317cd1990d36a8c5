package io.conversationconnector.observe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.conversationconnector.storage.DeliveryStore;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges whose values live in the database (outbox backlog and its oldest age, stored dead letters, subscription
 * state, open WhatsApp windows). Counting on every scrape would put the scrape rate on the database, so a
 * background thread reads them every {@code interval} with a few index-backed queries, and the gauges show the
 * last values read. The counts grow with the backlog, so the caller gives this the sweeps' (background, low-priority)
 * pool, not the one ingest uses. They describe the shared database, so every node of a cluster reports the same figures
 * (aggregate them with max, not sum). {@code connector_metrics_database_up} is 0 while the last read failed.
 */
public final class DatabaseGauges implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseGauges.class);

    // Open windows have not been announced as expired, so the notice indexes of V9 hold them all; a window the
    // provider reported closed is not open (V11).
    private static final String OPEN_CS_WINDOWS = """
            SELECT count(*) FROM contact_window
            WHERE cs_expired_sent_for IS DISTINCT FROM cs_expires_at AND cs_expires_at > :now
              AND NOT cs_closed_by_provider""";
    private static final String OPEN_FEP_WINDOWS = """
            SELECT count(*) FROM contact_window
            WHERE fep_expired_sent_for IS DISTINCT FROM fep_expires_at AND fep_expires_at > :now""";

    private final Jdbi jdbi;
    private final DeliveryStore deliveries;
    private final Clock clock;
    private final Collection<String> subscriptions;
    private final ScheduledExecutorService timer;
    private final Map<String, Double> values = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(false);

    public DatabaseGauges(Jdbi jdbi, DeliveryStore deliveries, MeterRegistry registry, Collection<String> subscriptions, Clock clock,
                          Duration interval) {
        this.jdbi = jdbi;
        this.deliveries = deliveries;
        this.clock = clock;
        this.subscriptions = subscriptions;
        for (String s : subscriptions) {
            gauge(registry, "connector.outbox.backlog", "Deliveries waiting (pending or retrying)", "backlog|" + s, "subscription", s);
            Gauge.builder("connector.outbox.oldest.age", values, v -> v.getOrDefault("oldest|" + s, 0.0)).baseUnit("seconds")
                    .description("Age of the oldest waiting delivery (0 when none wait)").tag("subscription", s).register(registry);
            gauge(registry, "connector.outbox.dead", "Dead letters stored (not replayed or retired)", "dead|" + s, "subscription", s);
            gauge(registry, "connector.subscription.enabled", "1 while the subscription is enabled", "enabled|" + s, "subscription", s);
            values.put("enabled|" + s, 1.0);
        }
        gauge(registry, "connector.windows.open", "Open WhatsApp windows", "windows|customer_service", "kind", "customer_service");
        gauge(registry, "connector.windows.open", "Open WhatsApp windows", "windows|free_entry_point", "kind", "free_entry_point");
        gauge(registry, "connector.metrics.database.up", "1 when the last read of these gauges from the database succeeded", "up");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metrics-gauges");
            t.setDaemon(true);
            return t;
        });
        long millis = interval.toMillis();
        timer.scheduleWithFixedDelay(this::refresh, 0, millis, TimeUnit.MILLISECONDS);
    }

    /** Reads every gauge's value now (also called by the timer). */
    public void refresh() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        try {
            Instant now = clock.instant();
            Map<String, Double> next = new java.util.HashMap<>();
            for (String s : subscriptions) {
                next.put("backlog|" + s, 0.0);
                next.put("oldest|" + s, 0.0);
                next.put("dead|" + s, 0.0);
            }
            for (DeliveryStore.SubscriptionStats st : deliveries.subscriptionStats()) {
                next.put("backlog|" + st.id(), (double) st.backlog());
                next.put("dead|" + st.id(), (double) st.deadLetters());
                next.put("oldest|" + st.id(), st.oldestPendingAt() == null ? 0.0
                        : Math.max(0, Duration.between(st.oldestPendingAt(), now).toMillis() / 1000.0));
                next.put("enabled|" + st.id(), st.enabled() ? 1.0 : 0.0);
            }
            jdbi.useHandle(h -> {
                next.put("windows|customer_service", h.createQuery(OPEN_CS_WINDOWS).bind("now", java.sql.Timestamp.from(now)).mapTo(Long.class).one().doubleValue());
                next.put("windows|free_entry_point", h.createQuery(OPEN_FEP_WINDOWS).bind("now", java.sql.Timestamp.from(now)).mapTo(Long.class).one().doubleValue());
            });
            values.putAll(next);
            values.put("up", 1.0);
        } catch (RuntimeException e) {
            values.put("up", 0.0);
            LOG.debug("metrics gauges not refreshed: {}", e.getMessage());
        } finally {
            running.set(false);
        }
    }

    private void gauge(MeterRegistry registry, String name, String description, String key, String... tags) {
        Gauge.builder(name, values, v -> v.getOrDefault(key, 0.0)).description(description).tags(tags).register(registry);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
