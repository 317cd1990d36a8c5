package io.conversationconnector.storage;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.canonical.CanonicalEvent;
import io.conversationconnector.config.Subscription;
import io.conversationconnector.ingest.IngestUnit;
import io.conversationconnector.ingest.PendingEvent;
import io.conversationconnector.ingest.WebhookRejected;
import io.conversationconnector.state.ConversationChange;
import io.conversationconnector.state.OptOutChange;
import io.conversationconnector.state.WindowChange;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits ingest units durably, many concurrent requests per transaction ("group commit"). A request thread hands
 * its unit over and waits; a writer thread takes every unit waiting at that moment and commits them in one
 * transaction, so one WAL flush serves many requests. Each unit still gets its own outcome: a duplicate or a
 * replayed nonce affects only that unit (ON CONFLICT DO NOTHING; per-row counts and RETURNING say which), and a unit that fails
 * for another reason is retried alone so it cannot take its neighbours down with it. The state changes of the
 * events that are new (conversation, window, opt-out) and their outbox rows are written in the same transaction.
 */
public final class InboxWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InboxWriter.class);

    private static final String INSERT_NONCE = """
            INSERT INTO webhook_nonce (source, nonce, seen_at) VALUES (:source, :nonce, :seenAt)
            ON CONFLICT DO NOTHING""";
    /** All events of a batch in one statement (arrays, unnest): one parse and plan, however many events. */
    private static final String INSERT_EVENTS = """
            INSERT INTO inbox_event (id, source, provider, provider_event_id, type, branch, occurred_at, received_at,
                                     conversation_id, contact_phone, canonical, raw_body, request_headers)
            SELECT id, source, provider, provider_event_id, type, branch, CAST(occurred_at AS timestamptz),
                   CAST(received_at AS timestamptz), conversation_id, contact_phone, CAST(canonical AS jsonb), raw_body,
                   CAST(request_headers AS jsonb)
            FROM unnest(:ids, :sources, :providers, :providerEventIds, :types, :branches, :occurredAts, :receivedAts,
                        :conversationIds, :contactPhones, :canonicals, :rawBodies, :headers)
                 AS e(id, source, provider, provider_event_id, type, branch, occurred_at, received_at, conversation_id,
                      contact_phone, canonical, raw_body, request_headers)
            ON CONFLICT (source, provider_event_id) DO NOTHING
            RETURNING id""";
    /** One outbox row per new event and matching subscription (delivery happens later, never in the request). */
    private static final String ENQUEUE = """
            INSERT INTO outbox (event_id, subscription_id, ordering_key, state, attempts, next_attempt_at, created_at)
            SELECT event_id, subscription_id, ordering_key, 'pending', 0, :now, :now
            FROM unnest(:eventIds, :subscriptionIds, :orderingKeys) AS x(event_id, subscription_id, ordering_key)
            ON CONFLICT (event_id, subscription_id) DO NOTHING""";
    private static final String EXISTING_ID = """
            SELECT id FROM inbox_event WHERE source = :source AND provider_event_id = :providerEventId""";

    /** What a committed unit means for the caller: its primary event id, and whether it was already stored. */
    public record Outcome(String id, boolean duplicate) {
    }

    public record Settings(int writers, int maxBatch, int queueCapacity, Duration commitTimeout) {
    }

    private record Job(IngestUnit unit, List<String> canonicalJson, String headersJson,
                       CompletableFuture<Outcome> result) {
    }

    private final Jdbi jdbi;
    private final java.util.Collection<Subscription> subscriptions;
    private final java.time.Clock clock;
    private final ObjectMapper json;
    private final Settings settings;
    private final BlockingQueue<Job> queue;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    public InboxWriter(Jdbi jdbi, java.util.Collection<Subscription> subscriptions, java.time.Clock clock, ObjectMapper json,
                       Settings settings) {
        this.jdbi = jdbi;
        this.subscriptions = List.copyOf(subscriptions);
        this.clock = clock;
        this.json = json;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        for (int i = 0; i < settings.writers(); i++) {
            Thread t = new Thread(this::writeLoop, "inbox-writer-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** Blocks until the unit is committed. Throws 401 (replayed nonce) or 503 (storage unavailable). */
    public Outcome commit(IngestUnit unit) {
        List<String> canonical = new ArrayList<>(unit.events().size());
        String headers;
        try {
            for (PendingEvent e : unit.events()) {
                canonical.add(json.writeValueAsString(e.getEvent().withoutRaw()));
            }
            headers = json.writeValueAsString(unit.storedHeaders());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("canonical event not serialisable", e);
        }
        Job job = new Job(unit, canonical, headers, new CompletableFuture<>());
        if (!running || !queue.offer(job)) {
            throw new StorageUnavailable(running ? "too many requests waiting to be stored; retry shortly" : "shutting down");
        }
        try {
            return job.result().get(settings.commitTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // The unit may still commit later; the provider's retry will then be answered as a duplicate.
            throw new StorageUnavailable("storing the event took longer than " + settings.commitTimeout().toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageUnavailable("interrupted while storing");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebhookRejected r) {
                throw r;
            }
            throw new StorageUnavailable("the event could not be stored");
        }
    }

    private void writeLoop() {
        List<Job> batch = new ArrayList<>(settings.maxBatch());
        while (running || !queue.isEmpty()) {
            try {
                Job first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, settings.maxBatch() - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("inbox writer failed unexpectedly", e);
                batch.forEach(j -> j.result().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Job> batch) {
        List<Outcome> outcomes;
        try {
            outcomes = jdbi.inTransaction(h -> writeBatch(h, batch));
        } catch (Exception e) {
            if (isConnectionProblem(e)) {
                LOG.warn("database unavailable, answering 503 to {} request(s): {}", batch.size(), rootMessage(e));
                StorageUnavailable unavailable = new StorageUnavailable("the database is unavailable; retry later");
                batch.forEach(j -> j.result().completeExceptionally(unavailable));
            } else if (batch.size() > 1) {
                LOG.warn("batch of {} failed ({}); retrying each unit alone", batch.size(), rootMessage(e));
                for (Job job : batch) {
                    write(List.of(job));
                }
            } else {
                LOG.error("could not store event(s) of source {}", batch.get(0).unit().sourceId(), e);
                batch.get(0).result().completeExceptionally(new StorageUnavailable("the event could not be stored"));
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Outcome outcome = outcomes.get(i);
            if (outcome == null) {
                batch.get(i).result().completeExceptionally(WebhookRejected.unauthorized("nonce already used (replayed request)"));
            } else {
                batch.get(i).result().complete(outcome);
            }
        }
    }

    /** One transaction: nonces first (a replayed one voids its unit), then every event; null outcome = replay. */
    private List<Outcome> writeBatch(Handle h, List<Job> batch) {
        boolean[] replayed = new boolean[batch.size()];
        List<Integer> withNonce = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).unit().replayKey() != null) {
                withNonce.add(i);
            }
        }
        if (!withNonce.isEmpty()) {
            PreparedBatch nonces = h.prepareBatch(INSERT_NONCE);
            for (int i : withNonce) {
                IngestUnit u = batch.get(i).unit();
                nonces.bind("source", u.sourceId()).bind("nonce", u.replayKey())
                        .bind("seenAt", u.request().receivedAt().atOffset(ZoneOffset.UTC)).add();
            }
            int[] counts = nonces.execute();
            for (int k = 0; k < counts.length; k++) {
                replayed[withNonce.get(k)] = counts[k] == 0;
            }
        }
        Columns c = new Columns();
        for (int i = 0; i < batch.size(); i++) {
            if (!replayed[i]) {
                c.add(batch.get(i));
            }
        }
        Set<String> inserted = c.ids.isEmpty() ? Set.of() : new HashSet<>(h.createQuery(INSERT_EVENTS)
                .bindArray("ids", String.class, c.ids).bindArray("sources", String.class, c.sources)
                .bindArray("providers", String.class, c.providers).bindArray("providerEventIds", String.class, c.providerEventIds)
                .bindArray("types", String.class, c.types).bindArray("branches", String.class, c.branches)
                .bindArray("occurredAts", String.class, c.occurredAts).bindArray("receivedAts", String.class, c.receivedAts)
                .bindArray("conversationIds", String.class, c.conversationIds).bindArray("contactPhones", String.class, c.contactPhones)
                .bindArray("canonicals", String.class, c.canonicals).bindArray("rawBodies", String.class, c.rawBodies)
                .bindArray("headers", String.class, c.headers)
                .mapTo(String.class).list());
        List<ConversationChange> conversations = new ArrayList<>();
        List<WindowChange> windows = new ArrayList<>();
        List<OptOutChange> optOuts = new ArrayList<>();
        List<String> outboxEvents = new ArrayList<>();
        List<String> outboxSubscriptions = new ArrayList<>();
        List<String> outboxOrderingKeys = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (replayed[i]) {
                outcomes.add(null);
                continue;
            }
            List<PendingEvent> pending = batch.get(i).unit().events();
            CanonicalEvent primary = pending.get(0).getEvent();
            boolean primaryInserted = inserted.contains(primary.id());
            for (PendingEvent p : pending) {
                if (inserted.contains(p.getEvent().id())) { // only a new event changes state or is delivered
                    for (Subscription s : subscriptions) {
                        if (s.matches(p.getEvent())) {
                            outboxEvents.add(p.getEvent().id());
                            outboxSubscriptions.add(s.id());
                            outboxOrderingKeys.add(s.orderingKey(p.getEvent()));
                        }
                    }
                    addIfPresent(conversations, p.getConversationChange());
                    addIfPresent(windows, p.getWindowChange());
                    addIfPresent(optOuts, p.getOptOutChange());
                }
            }
            String id = primaryInserted ? primary.id() : h.createQuery(EXISTING_ID)
                    .bind("source", primary.source()).bind("providerEventId", primary.providerEventId())
                    .mapTo(String.class).one();
            outcomes.add(new Outcome(id, !primaryInserted));
        }
        StateWriter.apply(h, conversations, windows, optOuts, clock.instant());
        if (!outboxEvents.isEmpty()) {
            h.createUpdate(ENQUEUE).bindArray("eventIds", String.class, outboxEvents)
                    .bindArray("subscriptionIds", String.class, outboxSubscriptions)
                    .bindArray("orderingKeys", String.class, outboxOrderingKeys)
                    .bind("now", clock.instant().atOffset(ZoneOffset.UTC)).execute();
        }
        return outcomes;
    }

    private static <T> void addIfPresent(List<T> list, T item) {
        if (item != null) {
            list.add(item);
        }
    }

    /** The batch's events as column arrays for INSERT_EVENTS. */
    private static final class Columns {
        final List<String> ids = new ArrayList<>();
        final List<String> sources = new ArrayList<>();
        final List<String> providers = new ArrayList<>();
        final List<String> providerEventIds = new ArrayList<>();
        final List<String> types = new ArrayList<>();
        final List<String> branches = new ArrayList<>();
        final List<String> occurredAts = new ArrayList<>();
        final List<String> receivedAts = new ArrayList<>();
        final List<String> conversationIds = new ArrayList<>();
        final List<String> contactPhones = new ArrayList<>();
        final List<String> canonicals = new ArrayList<>();
        final List<String> rawBodies = new ArrayList<>();
        final List<String> headers = new ArrayList<>();

        void add(Job job) {
            String raw = new String(job.unit().request().body(), java.nio.charset.StandardCharsets.UTF_8);
            List<PendingEvent> pending = job.unit().events();
            for (int e = 0; e < pending.size(); e++) {
                CanonicalEvent ev = pending.get(e).getEvent();
                ids.add(ev.id());
                sources.add(ev.source());
                providers.add(ev.provider());
                providerEventIds.add(ev.providerEventId());
                types.add(ev.type());
                branches.add(pending.get(e).getBranch());
                occurredAts.add(ev.occurredAt().toString());
                receivedAts.add(ev.receivedAt().toString());
                conversationIds.add(ev.conversation() == null ? null : ev.conversation().id());
                contactPhones.add(ev.contact() == null ? null : ev.contact().phone());
                canonicals.add(job.canonicalJson().get(e));
                rawBodies.add(raw);
                headers.add(job.headersJson());
            }
        }
    }

    /** The database could not be reached (as opposed to refusing this particular write). */
    public static boolean isConnectionProblem(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLTransientConnectionException || c instanceof org.jdbi.v3.core.ConnectionException) {
                return true;
            }
            if (c instanceof SQLException s && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P") || s.getSQLState().startsWith("53"))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    /** Stops taking new units and lets the writers finish what is queued. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(settings.commitTimeout().toMillis());
        }
    }
}
