package io.conversationconnector.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

import io.conversationconnector.storage.DeliveryStore;
import io.conversationconnector.storage.InboxWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores delivery outcomes as they come, many per transaction (group commit): whatever the delivery threads
 * decided while the previous transaction ran goes into the next. A delivery never waits for the others of its
 * claim. Once stored, the rows' places in the in-flight window are given back ({@code released}).
 *
 * <p>If the database is unreachable the outcomes are kept and written when it is back; if the process dies first,
 * the rows' leases end and they go out again with the same webhook-id (delivery is at-least-once).
 */
public final class OutcomeWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeWriter.class);
    private static final int MAX_BATCH = 1000;

    private final DeliveryStore store;
    private final Map<String, Duration> disableAfter;
    private final Clock clock;
    private final IntConsumer released;
    private final LinkedBlockingQueue<DeliveryStore.Result> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closing;

    public OutcomeWriter(DeliveryStore store, Map<String, Duration> disableAfter, Clock clock, IntConsumer released) {
        this.store = store;
        this.disableAfter = Map.copyOf(disableAfter);
        this.clock = clock;
        this.released = released;
        this.thread = new Thread(this::writeLoop, "delivery-outcomes");
        thread.setDaemon(true);
        thread.start();
    }

    public void add(DeliveryStore.Result result) {
        queue.add(result);
    }

    private void writeLoop() {
        List<DeliveryStore.Result> batch = new ArrayList<>();
        while (true) {
            try {
                if (batch.isEmpty()) {
                    DeliveryStore.Result first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (closing) {
                            return;
                        }
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                }
                write(batch);
                released.accept(batch.size());
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The database is unreachable: keep the batch for the next try; closing gives up (the leases end
                // and the rows go out again with the same webhook-id).
                LOG.warn("storing {} delivery outcome(s) failed, retrying in 1 s: {}", batch.size(), e.getMessage());
                if (closing) {
                    return;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Stores the batch. An outcome the database refuses for itself (not because it is unreachable) must not hold
     * every later outcome back: the batch is split and each outcome stored alone; one that is still refused is
     * stored once more without its error text, and if even that fails it is given up (logged), so its lease ends
     * and the row is delivered again. Throws only when the database is unreachable.
     */
    private void write(List<DeliveryStore.Result> batch) {
        try {
            store.recordAll(List.copyOf(batch), disableAfter, clock.instant());
            return;
        } catch (RuntimeException e) {
            if (InboxWriter.isConnectionProblem(e)) {
                throw e;
            }
            if (batch.size() > 1) {
                LOG.warn("storing {} delivery outcomes failed ({}); storing each alone", batch.size(), e.getMessage());
                for (DeliveryStore.Result one : batch) {
                    write(List.of(one));
                }
                return;
            }
        }
        DeliveryStore.Result refused = batch.get(0);
        DeliveryStore.Result withoutText = refused.withError("the outcome's error text could not be stored");
        try {
            store.recordAll(List.of(withoutText), disableAfter, clock.instant());
            LOG.warn("outcome of outbox row {} stored without its error text, which the database refused", refused.outboxId());
        } catch (RuntimeException e) {
            if (InboxWriter.isConnectionProblem(e)) {
                throw e;
            }
            LOG.error("outcome of outbox row {} could not be stored; it will be delivered again when its lease ends",
                    refused.outboxId(), e);
        }
    }

    /** Writes what is queued (the delivery route has stopped by now), then stops. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        thread.join(10_000);
    }
}
