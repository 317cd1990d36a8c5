package io.conversationconnector;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Provider-like load for the fault cases: threads post unique, correctly signed Sinch webhooks to 127.0.0.1 as
 * fast as answers come, and keep what happened: the ids of acknowledged (2xx) events, answers by status,
 * requests that got no answer, and the latency of each answer.
 */
final class Load implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
    final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    final AtomicInteger noAnswer = new AtomicInteger();
    final List<Long> latencyMicros = Collections.synchronizedList(new ArrayList<>());
    private final String prefix;

    Load(int port, int threadCount, String prefix) {
        this.prefix = prefix;
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(() -> run(port), "load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void run(int port) {
        while (running) {
            try {
                Webhooks.Request r = Webhooks.sinch(WebhookIngestTest.uniqueSinch(prefix + SEQUENCE.incrementAndGet()));
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + r.path()))
                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(r.body()));
                r.headers().forEach(b::header);
                long started = System.nanoTime();
                HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                latencyMicros.add((System.nanoTime() - started) / 1000);
                statuses.computeIfAbsent(resp.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                if (resp.statusCode() == 202) {
                    acknowledged.add(JSON.readTree(resp.body()).get("id").asText());
                } else if (resp.statusCode() == 503) {
                    Thread.sleep(100); // a provider backs off a little
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                noAnswer.incrementAndGet();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    int count(int status) {
        AtomicInteger n = statuses.get(status);
        return n == null ? 0 : n.get();
    }

    /** Answers with a status of 500 or more other than 503 (the one the contract allows while storage is down). */
    int unexpected5xx() {
        return statuses.entrySet().stream().filter(e -> e.getKey() >= 500 && e.getKey() != 503).mapToInt(e -> e.getValue().get()).sum();
    }

    double percentileMillis(double p) {
        List<Long> copy;
        synchronized (latencyMicros) {
            copy = new ArrayList<>(latencyMicros);
        }
        Collections.sort(copy);
        return copy.isEmpty() ? 0 : copy.get((int) Math.min(copy.size() - 1, Math.ceil(p * copy.size()) - 1)) / 1000.0;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(35_000);
        }
    }
}
