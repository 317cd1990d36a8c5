package io.conversationconnector.sweep;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.observe.ConnectorMetrics;
import io.conversationconnector.canonical.CanonicalEvent;
import io.conversationconnector.canonical.EventIds;
import io.conversationconnector.canonical.EventTypes;
import io.conversationconnector.canonical.Sections;
import io.conversationconnector.config.SourceConfig;
import io.conversationconnector.ingest.PendingEvent;
import io.conversationconnector.storage.SweepStore;
import org.apache.camel.Exchange;

/**
 * The steps of routes/sweeps.camel.yaml. A find step queries what is due and splits it into batches. The batches
 * run in parallel: each makes the connector's own canonical events from its share (an idle conversation's
 * conversation.closed, a window's window.expiring or window.expired), puts them in the body for the same router
 * that classifies provider events, and the commit step stores those still due. A run repeats while a find was
 * cut off at its limit; the exchange property {@value #RUN} counts what it did.
 */
public final class Sweeps {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Sweeps.class);
    public static final String RUN = "sweepRun";

    /** The counts of one run, answered by the admin API and logged; batches of a run are committed in parallel. */
    public static final class Run {
        private final String sweep;
        private final long startedNanos = System.nanoTime();
        private final java.util.concurrent.atomic.AtomicLong found = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong recorded = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong findNanos = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong commitNanos = new java.util.concurrent.atomic.AtomicLong();
        private volatile boolean full;

        Run(String sweep) {
            this.sweep = sweep;
        }

        /** Which sweep this run is: inactivity or windows. */
        public String sweep() {
            return sweep;
        }

        /** For the route's loop condition: the last find was cut off at its limit, so there may be more. */
        public boolean isFull() {
            return full;
        }

        public Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sweep", sweep);
            m.put("found", found.get());
            m.put("recorded", recorded.get());
            m.put("millis", (System.nanoTime() - startedNanos) / 1_000_000);
            // where the time went: finding candidates, and the guarded transactions (summed over parallel batches)
            m.put("findMillis", findNanos.get() / 1_000_000);
            m.put("commitMillis", commitNanos.get() / 1_000_000);
            return m;
        }
    }

    /** Exchange property of one batch (a split part): its events with their guards. */
    public static final String BATCH = "sweepBatch";

    private final SweepStore store;
    private final Map<String, SourceConfig> sources;
    private final Duration defaultInactivityTimeout;
    private final Duration expiringLead;
    private final Duration retention;
    private final int batchSize;
    private final int workers;
    private final Clock clock;
    private final ObjectMapper json;
    private final ConnectorMetrics metrics;

    public Sweeps(SweepStore store, Map<String, SourceConfig> sources, Duration defaultInactivityTimeout, Duration expiringLead,
                  Duration retention, int batchSize, int workers, Clock clock, ObjectMapper json, ConnectorMetrics metrics) {
        this.metrics = metrics;
        this.retention = retention;
        this.workers = workers;
        this.store = store;
        this.sources = Map.copyOf(sources);
        this.defaultInactivityTimeout = defaultInactivityTimeout;
        this.expiringLead = expiringLead;
        this.batchSize = batchSize;
        this.clock = clock;
        this.json = json;
    }

    /** The source's inactivityTimeout, else the global default; null = conversations of this source never idle out. */
    public Duration inactivityTimeout(SourceConfig source) {
        return source.inactivityTimeout() != null ? source.inactivityTimeout() : defaultInactivityTimeout;
    }

    /**
     * Route step: up to one find's worth of idle open conversations, to become conversation.closed events (reason
     * inactivity). Only the query runs here; the events are made by the parallel batch steps ({@link #batchEvents}).
     */
    public void findIdleConversations(Exchange exchange) {
        Run run = run(exchange, "inactivity");
        long started = System.nanoTime();
        Instant now = clock.instant();
        List<Candidate> found = new ArrayList<>();
        for (SourceConfig source : sources.values()) {
            Duration timeout = inactivityTimeout(source);
            int room = findLimit() - found.size();
            if (timeout == null || room <= 0) {
                continue;
            }
            for (SweepStore.IdleConversation c : store.findIdle(source.id(), now.minus(timeout), room)) {
                found.add(() -> closedForInactivity(source, timeout, c, now));
            }
        }
        finishFind(exchange, run, found, started);
    }

    /** Route step: up to one find's worth of due window notices, to become window.expired / window.expiring events. */
    public void findWindowNotices(Exchange exchange) {
        Run run = run(exchange, "windows");
        long started = System.nanoTime();
        Instant now = clock.instant();
        List<Candidate> found = new ArrayList<>();
        for (SweepStore.DueNotice n : store.findDueNotices(sources.keySet(), now, expiringLead, findLimit())) {
            found.add(() -> windowNotice(sources.get(n.source()), n, now));
        }
        finishFind(exchange, run, found, started);
    }

    /** Something a find returned: a batch step makes its event, with the guard the commit checks. */
    @FunctionalInterface
    private interface Candidate {
        SweepStore.Generated make() throws JsonProcessingException;
    }

    private SweepStore.Generated closedForInactivity(SourceConfig source, Duration timeout, SweepStore.IdleConversation c, Instant now)
            throws JsonProcessingException {
        Instant closedAt = c.idleSince().plus(timeout);
        CanonicalEvent event = new CanonicalEvent(EventIds.next(), EventTypes.CONVERSATION_CLOSED, closedAt, now,
                source.id(), source.provider().id(),
                EventIds.GENERATED_KEY_PREFIX + "inactivity:" + c.providerConversationId() + ":" + c.idleSince().toEpochMilli(),
                new Sections.Conversation(c.providerConversationId(), c.channel(), "closed", null),
                contact(c.contactPhone(), c.providerContactId()), null, null,
                new Sections.Closure("inactivity", closedAt), null, null, null);
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("generatedBy", "inactivity-sweep");
        raw.put("idleSince", c.idleSince().toString());
        raw.put("inactivityTimeout", timeout.toString());
        return generated(event, raw, new SweepStore.StillIdle(c.id(), c.idleSince()));
    }

    private SweepStore.Generated windowNotice(SourceConfig source, SweepStore.DueNotice n, Instant now) throws JsonProcessingException {
        boolean expired = n.notice() == SweepStore.Notice.EXPIRED;
        String kind = n.kind() == SweepStore.WindowKind.CUSTOMER_SERVICE ? "customer_service" : "free_entry_point";
        String type = expired ? EventTypes.WINDOW_EXPIRED : EventTypes.WINDOW_EXPIRING;
        // The event's time is when the rule says it happens; the sweep may run a little later.
        Instant occurredAt = expired ? n.expiresAt() : n.expiresAt().minus(expiringLead);
        CanonicalEvent event = new CanonicalEvent(EventIds.next(), type, occurredAt, now, source.id(), source.provider().id(),
                EventIds.GENERATED_KEY_PREFIX + type + ":" + kind + ":" + n.contactPhone() + ":" + n.expiresAt().toEpochMilli(),
                null, contact(n.contactPhone(), null), null,
                new Sections.Window(kind, n.expiresAt(), n.pricingCategory(), n.fepConversationId(), !expired),
                null, null, null, null);
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("generatedBy", "window-sweep");
        raw.put("windowKind", kind);
        raw.put("expiresAt", n.expiresAt().toString());
        if (!expired) {
            raw.put("expiringLead", expiringLead.toString());
        }
        return generated(event, raw, new SweepStore.NoticeDue(n.kind(), n.notice(), n.contactPhone(), n.source(), n.expiresAt()));
    }

    /** Route step, first in each split part: makes the batch's events (in parallel with the other parts), the body for the router. */
    public void batchEvents(Exchange exchange) throws JsonProcessingException {
        @SuppressWarnings("unchecked")
        List<Candidate> candidates = exchange.getMessage().getBody(List.class);
        List<SweepStore.Generated> batch = new ArrayList<>(candidates.size());
        for (Candidate candidate : candidates) {
            batch.add(candidate.make());
        }
        exchange.setProperty(BATCH, batch);
        List<PendingEvent> events = new ArrayList<>(batch.size());
        batch.forEach(g -> events.add(g.pending()));
        exchange.getMessage().setBody(events);
    }

    /** Route step after the router: stores the batch's events that are still due, in one transaction. */
    public void commit(Exchange exchange) throws JsonProcessingException {
        Run run = exchange.getProperty(RUN, Run.class);
        @SuppressWarnings("unchecked")
        List<SweepStore.Generated> batch = exchange.getProperty(BATCH, List.class);
        long started = System.nanoTime();
        run.recorded.addAndGet(store.commit(batch, clock.instant()));
        run.commitNanos.addAndGet(System.nanoTime() - started);
        // The split keeps each finished part until the whole find is done: without its events, so a find's worth of
        // events is not kept alive (and copied by every young collection) for that long.
        exchange.removeProperty(BATCH);
        exchange.getMessage().setBody(null);
    }

    /**
     * Route step of the retention run: events older than the retention (with their finished deliveries and
     * attempts) and nonces past their use. A Sinch nonce can be replayed only while its timestamp is within the
     * source's tolerance either side of now, so it is kept for twice the tolerance; a source without a tolerance
     * keeps its nonces; nonces of sources no longer configured go with the events.
     */
    public void retire(Exchange exchange) throws JsonProcessingException {
        Instant now = clock.instant();
        Instant eventCutoff = now.minus(retention);
        Map<String, Instant> nonceCutoffs = new java.util.HashMap<>();
        for (SourceConfig s : sources.values()) {
            nonceCutoffs.put(s.id(), s.timestampTolerance() == null ? null : now.minus(s.timestampTolerance().multipliedBy(2)));
        }
        long started = System.nanoTime();
        SweepStore.Retired r = store.retire(eventCutoff, nonceCutoffs, eventCutoff, batchSize);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sweep", "retention");
        m.put("events", r.events());
        m.put("deliveries", r.deliveries());
        m.put("attempts", r.attempts());
        m.put("nonces", r.nonces());
        long millis = (System.nanoTime() - started) / 1_000_000;
        m.put("millis", millis);
        metrics.sweepRun("retention", millis, r.events());
        String summary = json.writeValueAsString(m);
        if (r.events() + r.nonces() > 0) {
            LOG.info("retention: {}", summary);
        }
        exchange.getMessage().setBody(summary);
    }

    /** Route step at the end of a run: the summary as the body (the admin API answers it). */
    public void summarize(Exchange exchange) throws JsonProcessingException {
        Run run = exchange.getProperty(RUN, Run.class);
        Map<String, Object> m = run.summary();
        metrics.sweepRun(run.sweep, (Long) m.get("millis"), run.recorded.get());
        String summary = json.writeValueAsString(m);
        if (run.recorded.get() > 0) {
            LOG.info("{} sweep: {}", run.sweep, summary);
        }
        exchange.getMessage().setBody(summary);
    }

    private static Run run(Exchange exchange, String sweep) {
        Run run = exchange.getProperty(RUN, Run.class);
        if (run == null) {
            run = new Run(sweep);
            exchange.setProperty(RUN, run);
        }
        return run;
    }

    private SweepStore.Generated generated(CanonicalEvent event, Map<String, Object> raw, SweepStore.Guard guard)
            throws JsonProcessingException {
        return new SweepStore.Generated(new PendingEvent(event), json.writeValueAsString(raw), guard);
    }

    /** One find takes at most this many candidates: a batch for each parallel worker, a few times over. */
    private int findLimit() {
        return batchSize * workers * 4;
    }

    /** The body: the candidates in batches of batchSize, committed in parallel by the route's split. */
    private void finishFind(Exchange exchange, Run run, List<Candidate> found, long startedNanos) {
        run.findNanos.addAndGet(System.nanoTime() - startedNanos);
        run.found.addAndGet(found.size());
        run.full = found.size() >= findLimit();
        List<List<Candidate>> batches = new ArrayList<>();
        for (int i = 0; i < found.size(); i += batchSize) {
            batches.add(List.copyOf(found.subList(i, Math.min(found.size(), i + batchSize))));
        }
        exchange.getMessage().setBody(batches);
    }

    private static Sections.Contact contact(String phone, String providerContactId) {
        return phone == null && providerContactId == null ? null : new Sections.Contact(phone, null, providerContactId);
    }
}
