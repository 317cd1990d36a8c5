package io.conversationconnector;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpServer;

/**
 * A CRM on 127.0.0.1 for delivery tests: per path, answers from a script of responses (the last one repeats),
 * and keeps every request it received (headers and body).
 */
public final class StubCrm implements AutoCloseable {
    public record Received(String path, Map<String, List<String>> headers, String body, java.time.Instant at) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    public record Response(int status, Map<String, String> headers, String body) {
        public static Response of(int status) {
            return new Response(status, Map.of(), "{}");
        }
    }

    private final HttpServer server;
    private final Map<String, Deque<Response>> scripts = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile long delayMillis;

    public StubCrm() throws IOException {
        this(0);
    }

    /** On a given port: a CRM that comes up where the connector has been failing to reach one. */
    public StubCrm(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            received.add(new Received(path, Map.copyOf(exchange.getRequestHeaders()), body, java.time.Instant.now()));
            Deque<Response> script = scripts.getOrDefault(path, new ConcurrentLinkedDeque<>());
            Response r = script.size() > 1 ? script.pollFirst() : script.peekFirst();
            if (r == null) {
                r = Response.of(200);
            }
            r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(r.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    /** Every answer waits this long (a slow CRM keeps deliveries in flight). */
    public void delay(long millis) {
        this.delayMillis = millis;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public void script(String path, Response... responses) {
        scripts.put(path, new ConcurrentLinkedDeque<>(List.of(responses)));
    }

    public List<Received> received(String path) {
        List<Received> out = new ArrayList<>();
        for (Received r : received) {
            if (r.path().equals(path)) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
