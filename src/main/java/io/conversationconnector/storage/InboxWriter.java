package io.conversationconnector.storage;

import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
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
    private final EventRecorder recorder;
    private final java.time.Clock clock;
    private final ObjectMapper json;
    private final Settings settings;
    private final BlockingQueue<Job> queue;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    public InboxWriter(Jdbi jdbi, java.util.Collection<Subscription> subscriptions, java.time.Clock clock, ObjectMapper json,
                       Settings settings) {
        this.jdbi = jdbi;
        this.recorder = new EventRecorder(subscriptions);
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
                canonical.add(EventRecorder.canonicalJson(json, e));
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
            String refusedValue = refusesTheData(e);
            if (isConnectionProblem(e)) {
                LOG.warn("database unavailable, answering 503 to {} request(s): {}", batch.size(), rootMessage(e));
                StorageUnavailable unavailable = new StorageUnavailable("the database is unavailable; retry later");
                batch.forEach(j -> j.result().completeExceptionally(unavailable));
            } else if (batch.size() > 1) {
                LOG.warn("batch of {} failed ({}); retrying each unit alone", batch.size(), rootMessage(e));
                for (Job job : batch) {
                    write(List.of(job));
                }
            } else if (refusedValue != null) {
                // The same request would be refused again: a 503 would make the provider retry it for ever.
                LOG.warn("the database refused a value of an event of source {} (SQLSTATE {}); answering 400",
                        batch.get(0).unit().sourceId(), refusedValue);
                batch.get(0).result().completeExceptionally(WebhookRejected.badRequest("invalid_payload",
                        "a value of this payload cannot be stored (SQLSTATE " + refusedValue + ")"));
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

    /** The SQLSTATE when the database refused a value itself (data exception 22, program limit 54), else null. */
    static String refusesTheData(Throwable e) {
        return Database.sqlState(e, "22", "54");
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
                        .bind("seenAt", u.request().receivedAt()).add();
            }
            int[] counts = nonces.execute();
            for (int k = 0; k < counts.length; k++) {
                replayed[withNonce.get(k)] = counts[k] == 0;
            }
        }
        List<EventRecorder.Row> rows = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (!replayed[i]) {
                Job job = batch.get(i);
                String raw = new String(job.unit().request().body(), java.nio.charset.StandardCharsets.UTF_8);
                List<PendingEvent> pending = job.unit().events();
                for (int e = 0; e < pending.size(); e++) {
                    rows.add(new EventRecorder.Row(pending.get(e), job.canonicalJson().get(e), raw, job.headersJson()));
                }
            }
        }
        Set<String> inserted = recorder.record(h, rows, clock.instant(), EventRecorder.Keys.MAY_BE_STORED);
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (replayed[i]) {
                outcomes.add(null);
                continue;
            }
            CanonicalEvent primary = batch.get(i).unit().events().get(0).getEvent();
            boolean primaryInserted = inserted.contains(primary.id());
            String id = primaryInserted ? primary.id() : h.createQuery(EXISTING_ID)
                    .bind("source", primary.source()).bind("providerEventId", primary.providerEventId())
                    .mapTo(String.class).one();
            outcomes.add(new Outcome(id, !primaryInserted));
        }
        return outcomes;
    }

    /** The database could not be reached (as opposed to refusing this particular write). */
    public static boolean isConnectionProblem(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLTransientConnectionException || c instanceof org.jdbi.v3.core.ConnectionException) {
                return true;
            }
        }
        return Database.sqlState(t, "08", "57P", "53") != null;
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
