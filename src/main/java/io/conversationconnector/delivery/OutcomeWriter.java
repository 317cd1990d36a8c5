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
                store.recordAll(List.copyOf(batch), disableAfter, clock.instant());
                released.accept(batch.size());
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // Kept for the next try; closing gives up (the leases end and the rows go out again).
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

    /** Writes what is queued (the delivery route has stopped by now), then stops. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        thread.join(10_000);
    }
}
