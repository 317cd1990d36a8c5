package io.conversationconnector.observe;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The connector's own Prometheus metrics (README "Metrics" lists them). Labels take only configured names
 * (sources, subscriptions, sweeps) and fixed words, so a caller cannot grow the series without bound: a request
 * for a source that does not exist is counted under source="unknown". Meters are cached per label set because
 * the webhook path updates them for every request.
 */
public final class ConnectorMetrics {
    public static final String UNKNOWN_SOURCE = "unknown";
    /** Latency buckets (Prometheus histograms): from a millisecond to the provider's usual 10 s timeout. */
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)};
    /** Event received to delivered: from milliseconds to the hours a retry schedule can take. */
    private static final Duration[] LAG_BUCKETS = {
            Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(6), Duration.ofHours(24)};
    private static final Duration[] SWEEP_BUCKETS = {
            Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5)};

    private final MeterRegistry registry;
    private final Set<String> sources;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    /** The meters every webhook updates, resolved once per source label: the hot path does one map lookup. */
    private final Map<String, SourceMeters> bySource = new ConcurrentHashMap<>();

    private record SourceMeters(Counter received, Counter accepted, Counter duplicate, Timer latency) {
    }

    public ConnectorMetrics(MeterRegistry registry, Collection<String> sources, Collection<String> subscriptions) {
        this.registry = registry;
        this.sources = Set.copyOf(sources);
        // Series that exist from the start, so a dashboard shows 0 rather than "no data" before the first event.
        for (String source : sources) {
            sourceMeters(source);
        }
        sourceMeters(UNKNOWN_SOURCE);
        for (String subscription : subscriptions) {
            for (String outcome : new String[] {"delivered", "retry", "dead", "gone"}) {
                attempts(subscription, outcome);
            }
            deadLetters(subscription);
            deliveryLatency(subscription);
            deliveryLag(subscription);
        }
    }

    /** A source id as a label: configured ids as they are, anything else "unknown". */
    public String sourceLabel(String source) {
        return source != null && sources.contains(source) ? source : UNKNOWN_SOURCE;
    }

    /** A webhook request was answered: 202 new events, 200 duplicates only, else rejected with {@code reason}. */
    public void webhookAnswered(String source, int status, String reason, long nanos) {
        String label = sourceLabel(source);
        SourceMeters meters = sourceMeters(label);
        meters.received().increment();
        if (status == 202) {
            meters.accepted().increment();
        } else if (status == 200) {
            meters.duplicate().increment();
        } else {
            counter("connector.webhooks.rejected", "Webhook requests answered with an error, by source and reason",
                    "source", label, "reason", reason == null ? "unknown" : reason).increment();
        }
        meters.latency().record(nanos, TimeUnit.NANOSECONDS);
    }

    private SourceMeters sourceMeters(String label) {
        return bySource.computeIfAbsent(label, l -> new SourceMeters(received(l), accepted(l), duplicate(l), ingestLatency(l)));
    }

    /**
     * One delivery attempt ended: outcome is delivered, retry, dead or gone (DeliveryRules). {@code lagMillis}, for
     * a delivered event, is how long after its receipt the subscriber had it (retries and queueing included).
     */
    public void deliveryAttempt(String subscription, String outcome, long millis, boolean deadLetter, long lagMillis) {
        attempts(subscription, outcome).increment();
        deliveryLatency(subscription).record(millis, TimeUnit.MILLISECONDS);
        if ("delivered".equals(outcome)) {
            deliveryLag(subscription).record(Math.max(0, lagMillis), TimeUnit.MILLISECONDS);
        }
        if (deadLetter) {
            deadLetters(subscription).increment();
        }
    }

    /** A sweep run finished, having recorded {@code events} events (or removed them, for retention). */
    public void sweepRun(String sweep, long millis, long events) {
        counter("connector.sweep.runs", "Sweep runs finished on this node", "sweep", sweep).increment();
        counter("connector.sweep.events", "Events the sweeps recorded (retention: events removed)", "sweep", sweep).increment(events);
        timers.computeIfAbsent("sweep|" + sweep, k -> Timer.builder("connector.sweep.duration")
                .description("Duration of sweep runs on this node").tag("sweep", sweep)
                .serviceLevelObjectives(SWEEP_BUCKETS).register(registry)).record(millis, TimeUnit.MILLISECONDS);
    }

    private Counter received(String source) {
        return counter("connector.webhooks.received", "Webhook requests answered, by source", "source", source);
    }

    private Counter accepted(String source) {
        return counter("connector.webhooks.accepted", "Webhook requests whose events were committed (202)", "source", source);
    }

    private Counter duplicate(String source) {
        return counter("connector.webhooks.duplicate", "Webhook requests that repeated stored events (200)", "source", source);
    }

    private Counter attempts(String subscription, String outcome) {
        return counter("connector.delivery.attempts", "Delivery attempts, by subscription and outcome",
                "subscription", subscription, "outcome", outcome);
    }

    private Counter deadLetters(String subscription) {
        return counter("connector.delivery.dead.letters", "Deliveries that became dead letters", "subscription", subscription);
    }

    private Timer ingestLatency(String source) {
        return timers.computeIfAbsent("ingest|" + source, k -> Timer.builder("connector.ingest.duration")
                .description("Webhook request to answer (after commit for 2xx), by source").tag("source", source)
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
    }

    private Timer deliveryLatency(String subscription) {
        return timers.computeIfAbsent("delivery|" + subscription, k -> Timer.builder("connector.delivery.duration")
                .description("Delivery attempt (HTTP POST to the subscriber) duration").tag("subscription", subscription)
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
    }

    private Timer deliveryLag(String subscription) {
        return timers.computeIfAbsent("lag|" + subscription, k -> Timer.builder("connector.delivery.lag")
                .description("Event received to delivered (queueing and retries included)").tag("subscription", subscription)
                .serviceLevelObjectives(LAG_BUCKETS).register(registry));
    }

    private Counter counter(String name, String description, String... tags) {
        String key = name + "|" + String.join("|", tags);
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
        }
        return c;
    }
}
