package io.conversationconnector.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.standardwebhooks.Webhook;
import io.conversationconnector.canonical.EventIds;
import io.conversationconnector.config.Subscription;
import io.conversationconnector.observe.ConnectorMetrics;
import io.conversationconnector.storage.DeliveryStore;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of routes/delivery.camel.yaml (bound as Processors claimDeliveries, prepareDelivery,
 * recordDelivery): lease due deliveries, turn one into a signed Standard Webhooks POST, decide on the answer and
 * hand the outcome to the {@link OutcomeWriter}. At most {@code inFlight} rows are leased and not yet stored at
 * any time: the claim takes only what fits in that window.
 */
public final class DeliverySteps {
    private static final Logger LOG = LoggerFactory.getLogger(DeliverySteps.class);
    static final String JOB = "delivery";

    private final DeliveryStore store;
    private final Map<String, Subscription> subscriptions;
    private final Map<String, Webhook> signers;
    private final Clock clock;
    private final ObjectMapper json;
    private final int batchSize;
    /** How long a claimed row is held: see {@link #claim}. Depends on configuration only. */
    private final Duration lease;
    private final Map<String, Duration> disableAfter = new java.util.HashMap<>();
    private final DeliveryStore.Scope scope;
    private final int maxInFlight;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final OutcomeWriter outcomes;
    private final ConnectorMetrics metrics;

    public DeliverySteps(DeliveryStore store, Map<String, Subscription> subscriptions, Clock clock, ObjectMapper json, int batchSize,
                         int parallelism, int maxInFlight, Duration leaseGrace, ConnectorMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
        this.subscriptions = subscriptions;
        this.clock = clock;
        this.json = json;
        this.batchSize = batchSize;
        this.signers = new java.util.HashMap<>();
        subscriptions.forEach((id, s) -> {
            try {
                signers.put(id, new Webhook(s.secret()));
            } catch (Exception e) {
                throw new IllegalStateException("subscription " + id + ": unusable secret", e);
            }
        });
        subscriptions.forEach((id, s) -> disableAfter.put(id, s.disableAfter()));
        Map<String, Double> rates = new java.util.LinkedHashMap<>();
        subscriptions.values().stream().filter(s -> s.maxRatePerSecond() != null).forEach(s -> rates.put(s.id(), s.maxRatePerSecond()));
        this.scope = new DeliveryStore.Scope(
                List.copyOf(subscriptions.keySet()),
                rates, subscriptions.values().stream().filter(Subscription::ordered).map(Subscription::id).collect(java.util.stream.Collectors.toUnmodifiableSet()));
        Duration longest = subscriptions.values().stream().map(Subscription::timeout).max(Duration::compareTo)
                .orElse(Duration.ofSeconds(10));
        this.maxInFlight = maxInFlight;
        this.lease = longest.multipliedBy((maxInFlight + parallelism - 1) / parallelism).plus(leaseGrace);
        store.register(subscriptions.keySet(), clock.instant());
        this.outcomes = new OutcomeWriter(store, disableAfter, clock, stored -> inFlight.addAndGet(-stored));
    }

    /** Closed after the delivery route has stopped: stores the outcomes still queued. */
    public OutcomeWriter outcomeWriter() {
        return outcomes;
    }

    /**
     * Body: the leased deliveries that fit in the in-flight window (empty when nothing is due or the window is
     * full). The lease must outlast a row's wait in the window, not one call: the window drains through
     * {@code parallelism} threads, so the last row may wait ceil(window / parallelism) timeouts. If this process
     * dies, another (or this one, restarted) takes the rows over when the lease ends.
     */
    public void claim(Exchange exchange) {
        int room = Math.min(batchSize, maxInFlight - inFlight.get());
        List<DeliveryStore.Claimed> claimed = subscriptions.isEmpty() || room <= 0 ? List.of()
                : store.claim(room, clock.instant(), lease, scope);
        inFlight.addAndGet(claimed.size());
        // At most 1000 rounds per tick, so one exchange never runs for ever (shutdown waits for it).
        int rounds = exchange.getProperty("claimRounds", 0, Integer.class) + 1;
        exchange.setProperty("claimRounds", rounds);
        exchange.setProperty("claimedFull", Boolean.toString(room > 0 && claimed.size() == room && rounds < 1000));
        exchange.getMessage().setBody(claimed);
    }

    /** Body: one leased delivery → the signed POST to the subscription's URL; no inbound header is kept. */
    public void prepare(Exchange exchange) throws Exception {
        DeliveryStore.Claimed job = exchange.getMessage().getBody(DeliveryStore.Claimed.class);
        Subscription s = subscriptions.get(job.subscriptionId());
        exchange.setProperty(JOB, job);
        exchange.setProperty("subscriptionId", s.id());
        exchange.setProperty("timeoutMillis", s.timeout().toMillis());
        exchange.setProperty("startedAt", clock.instant());
        String body;
        if (s.mapping() != null) {
            // The template sees the canonical event and makes the whole body; a failure is this delivery's dead letter.
            ObjectNode data = (ObjectNode) json.readTree(job.canonicalJson());
            data.set("raw", readRaw(job.rawBody()));
            body = json.writeValueAsString(s.mapping().apply(json.treeToValue(data, Object.class)));
        } else {
            body = envelope(job);
        }
        long timestamp = clock.instant().getEpochSecond();
        Message m = exchange.getMessage();
        m.getHeaders().clear();
        s.headers().forEach(m::setHeader);
        m.setHeader("webhook-id", job.eventId());
        m.setHeader("webhook-timestamp", Long.toString(timestamp));
        m.setHeader("webhook-signature", signers.get(s.id()).sign(job.eventId(), timestamp, body));
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setHeader(Exchange.HTTP_URI, s.url().toString());
        m.setBody(body);
    }

    /** After the POST (or its failure): decide with DeliveryRules; the outcome writer stores it. */
    public void record(Exchange exchange) {
        DeliveryStore.Claimed job = exchange.getProperty(JOB, DeliveryStore.Claimed.class);
        Subscription s = subscriptions.get(job.subscriptionId());
        Instant started = exchange.getProperty("startedAt", Instant.class);
        Instant now = clock.instant();
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Integer status = failure != null ? null : exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String error = failure == null ? null : failure.getClass().getSimpleName() + ": " + excerpt(failure.getMessage());
        if (status != null && (status < 200 || status >= 300)) {
            error = excerpt(exchange.getMessage().getBody(String.class));
        }
        DeliveryRules.Decision d = failure instanceof MappingTemplate.MappingFailed mappingFailed
                ? new DeliveryRules.Decision("dead", DeliveryRules.Outcome.DEAD, null, "mapping failed: " + excerpt(mappingFailed.getMessage()))
                : DeliveryRules.decide(status, error, job.scheduleAttempt(), s.retrySchedule(), now,
                        exchange.getMessage().getHeader("Retry-After", String.class), () -> ThreadLocalRandom.current().nextDouble());
        String reason = d.outcome() == DeliveryRules.Outcome.DELIVERED ? null : d.reason();
        long millis = java.time.Duration.between(started, now).toMillis();
        String outcome = d.outcome().name().toLowerCase(java.util.Locale.ROOT);
        metrics.deliveryAttempt(s.id(), outcome, millis, "dead".equals(d.state()),
                now.toEpochMilli() - EventIds.createdAt(job.eventId()).toEpochMilli());
        outcomes.add(new DeliveryStore.Result(job.outboxId(), job.attempt(), started, status, millis, d.state(), outcome,
                d.nextAttemptAt(), reason, d.outcome() == DeliveryRules.Outcome.GONE ? reason : null, s.id()));
        if (!"delivered".equals(d.state())) {
            LOG.info("delivery {} of event {} to subscription {}: {} ({})", job.attempt(), job.eventId(), s.id(), d.state(), reason);
        }
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setBody(null);
    }

    /**
     * {"type", "timestamp", "data": canonical + raw}, spliced from the stored JSON texts instead of parsed and
     * written again: the canonical text is a JSON object we wrote, the raw body was checked to be one JSON object
     * at ingest, and type and time need no escaping. The signature covers exactly these bytes.
     */
    static String envelope(DeliveryStore.Claimed job) {
        String canonical = job.canonicalJson().strip();
        return "{\"type\":\"" + job.type() + "\",\"timestamp\":\"" + job.occurredAt() + "\",\"data\":"
                + canonical.substring(0, canonical.length() - 1) + ",\"raw\":" + job.rawBody() + "}}";
    }

    private JsonNode readRaw(String raw) {
        try {
            return json.readTree(raw);
        } catch (Exception e) {
            return json.getNodeFactory().textNode(raw);
        }
    }

    /** One line of at most 300 characters; control characters (a NUL, which PostgreSQL text refuses) become spaces. */
    private static String excerpt(String s) {
        if (s == null) {
            return null;
        }
        String oneLine = s.replaceAll("[\\s\\p{Cntrl}]+", " ").strip();
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "…";
    }
}
