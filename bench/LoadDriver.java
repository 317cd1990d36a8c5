import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Load driver (single-file Java program, no dependencies): N keep-alive connections on loopback, each sending
 * requests back to back for a fixed time; reports requests/s, p50/p99/max latency and errors by status.
 *   ingest: correctly signed Sinch (inbound WhatsApp message) and Bird (conversation.updated) webhooks, unique
 *           event ids, contacts spread over a million phone numbers. Counts 202 as success.
 *     java bench/LoadDriver.java host port seconds concurrency warmupSeconds sinchSource sinchSecret birdSource birdKey birdUrl [rate/s]
 *     (with a rate, requests are paced to that many per second in all; without, each connection sends back to back)
 *     Every webhook is about a new conversation; with REUSE_CONVERSATIONS=n, about one of n conversations (each with its
 *     own phone), so after the first few seconds most update a conversation already stored, as real traffic does.
 *   window: GET /api/contacts/{phone}/window for random phones among the million seeded by SeedWindows. Counts 200.
 *     java bench/LoadDriver.java --window host port seconds concurrency warmupSeconds adminToken
 * With LATENCY_LOG=file it also writes each measured request as "sentEpochMillis latencyMicros", one per line, so a
 * benchmark can take percentiles over part of the run (bench/sweep.sh: the requests sent while the sweep ran).
 */
public class LoadDriver {
    public static void main(String[] args) throws Exception {
        boolean window = args[0].equals("--window");
        String[] a = window ? Arrays.copyOfRange(args, 1, args.length) : args;
        String host = a[0];
        int port = Integer.parseInt(a[1]);
        int seconds = Integer.parseInt(a[2]);
        int concurrency = Integer.parseInt(a[3]);
        int warmup = Integer.parseInt(a[4]);
        String sinchSource = window ? null : a[5], sinchSecret = window ? null : a[6], birdSource = window ? null : a[7],
                birdKey = window ? null : a[8], birdUrl = window ? null : a[9];
        String adminToken = window ? a[5] : null;
        double rate = !window && a.length > 10 ? Double.parseDouble(a[10]) : 0;
        int success = window ? 200 : 202;
        int conversations = Integer.parseInt(System.getenv().getOrDefault("REUSE_CONVERSATIONS", "0"));

        long runId = System.currentTimeMillis();
        long warmupEnd = System.nanoTime() + warmup * 1_000_000_000L;
        long end = warmupEnd + seconds * 1_000_000_000L;
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        AtomicLong ioErrors = new AtomicLong();
        long[][] latencies = new long[concurrency][];
        long[][] sentAts = new long[concurrency][];
        // nanoTime is monotonic but has no epoch: one offset turns it into wall-clock millis for the log
        long epochOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        int[] counts = new int[concurrency];
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int t = 0; t < concurrency; t++) {
            final int thread = t;
            new Thread(() -> {
                long[] lat = new long[1 << 16];
                long[] sent = new long[1 << 16];
                int n = 0;
                long seq = 0;
                long intervalNanos = rate > 0 ? (long) (1e9 * concurrency / rate) : 0;
                long nextSend = System.nanoTime() + (intervalNanos * thread) / Math.max(1, concurrency);
                Socket socket = null;
                InputStream in = null;
                boolean measuring = false;
                try {
                    while (System.nanoTime() < end) {
                        if (!measuring && System.nanoTime() >= warmupEnd) {
                            // What the warm-up fell behind (cold JIT) is not caught up in a burst inside the measured
                            // period; lateness from then on is (the schedule stays fixed, no coordinated omission).
                            measuring = true;
                            nextSend = Math.max(nextSend, System.nanoTime());
                        }
                        if (intervalNanos > 0) {
                            long wait = nextSend - System.nanoTime();
                            if (wait > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            }
                            nextSend += intervalNanos;
                        }
                        if (socket == null) {
                            socket = new Socket();
                            socket.setTcpNoDelay(true);
                            socket.connect(new InetSocketAddress(host, port));
                            in = new BufferedInputStream(socket.getInputStream(), 8192);
                        }
                        seq++;
                        boolean sinch = (seq & 1) == 0;
                        String id = runId + "-" + thread + "-" + seq;
                        // each event a new conversation, or (REUSE_CONVERSATIONS=n) one of n, each with its own phone
                        int pick = java.util.concurrent.ThreadLocalRandom.current().nextInt(conversations > 0 ? conversations : 1_000_000);
                        String conversation = conversations > 0 ? runId + "-c" + pick : id;
                        String phone = phone(pick);
                        byte[] request = window ? windowRequest(host, port, adminToken, phone)
                                : sinch ? sinchRequest(host, port, sinchSource, sinchSecret, id, conversation, phone)
                                : birdRequest(host, port, birdSource, birdKey, birdUrl, id, conversation, phone);
                        long start = System.nanoTime();
                        int status;
                        try {
                            OutputStream out = socket.getOutputStream();
                            out.write(request);
                            out.flush();
                            status = readResponse(in);
                        } catch (IOException e) {
                            ioErrors.incrementAndGet();
                            socket.close();
                            socket = null;
                            continue;
                        }
                        long now = System.nanoTime();
                        if (now >= warmupEnd && now <= end) {
                            statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                                sent = Arrays.copyOf(sent, n * 2);
                            }
                            sent[n] = start;
                            lat[n++] = now - start;
                        }
                    }
                    if (socket != null) {
                        socket.close();
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                } finally {
                    latencies[thread] = lat;
                    sentAts[thread] = sent;
                    counts[thread] = n;
                    done.countDown();
                }
            }, "driver-" + t).start();
        }
        done.await();
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int k = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(latencies[t], 0, all, k, counts[t]);
            k += counts[t];
        }
        String log = System.getenv("LATENCY_LOG");
        if (log != null && !log.isEmpty()) {
            try (java.io.PrintWriter w = new java.io.PrintWriter(java.nio.file.Files.newBufferedWriter(java.nio.file.Path.of(log)))) {
                for (int t = 0; t < concurrency; t++) {
                    for (int i = 0; i < counts[t]; i++) {
                        w.println((sentAts[t][i] + epochOffsetNanos) / 1_000_000 + " " + latencies[t][i] / 1000);
                    }
                }
            }
        }
        Arrays.sort(all);
        long accepted = statuses.getOrDefault(success, new AtomicLong()).get();
        long errors = total - accepted + ioErrors.get();
        System.out.printf("mode=%s concurrency=%d duration=%ds requests=%d ok=%d errors=%d%n", window ? "window" : "ingest",
                concurrency, seconds, total, accepted, errors);
        System.out.printf("%s_per_s=%.0f%n", window ? "answered" : "accepted", accepted / (double) seconds);
        if (total > 0) {
            System.out.printf("latency_ms p50=%.2f p99=%.2f max=%.2f%n", pct(all, 0.50), pct(all, 0.99), all[all.length - 1] / 1e6);
        }
        System.out.println("statuses=" + new TreeMap<>(statuses) + " io_errors=" + ioErrors.get());
    }

    static double pct(long[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }

    /** "57300" + the number on 7 digits, without String.format (the driver shares the CPU with the connector). */
    static String phone(int n) {
        String digits = Integer.toString(n);
        return "57300" + "0000000".substring(digits.length()) + digits;
    }

    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    });
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    });

    static byte[] windowRequest(String host, int port, String token, String phone) {
        return ("GET /api/contacts/%2B" + phone + "/window HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] sinchRequest(String host, int port, String source, String secret, String id, String conversation, String phone)
            throws Exception {
        String now = java.time.Instant.now().toString(); // current, as a provider sends: the conversations are active
        String body = "{\"app_id\":\"01BENCHAPP\",\"accepted_time\":\"" + now + "\",\"event_time\":\"" + now + "\","
                + "\"project_id\":\"bench\",\"message\":{\"id\":\"msg-" + id + "\",\"direction\":\"TO_APP\","
                + "\"contact_message\":{\"text_message\":{\"text\":\"Hola, necesito ayuda con mi pedido\"}},"
                + "\"channel_identity\":{\"channel\":\"WHATSAPP\",\"identity\":\"" + phone + "\",\"app_id\":\"01BENCHAPP\"},"
                + "\"conversation_id\":\"conv-" + conversation + "\",\"contact_id\":\"contact-bench\",\"metadata\":\"\","
                + "\"accept_time\":\"" + now + "\"},\"message_metadata\":\"\",\"correlation_id\":\"\"}";
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        String nonce = "nonce-" + id;
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        Mac mac = HMAC.get();
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update(bodyBytes);
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(("." + nonce + "." + ts).getBytes(StandardCharsets.UTF_8)));
        String head = "POST /webhooks/" + source + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + bodyBytes.length + "\r\n"
                + "x-sinch-webhook-signature-timestamp: " + ts + "\r\nx-sinch-webhook-signature-nonce: " + nonce + "\r\n"
                + "x-sinch-webhook-signature-algorithm: HmacSHA256\r\nx-sinch-webhook-signature: " + signature + "\r\n\r\n";
        return concat(head.getBytes(StandardCharsets.US_ASCII), bodyBytes);
    }

    static byte[] birdRequest(String host, int port, String source, String key, String url, String id, String conversation, String phone)
            throws Exception {
        String now = java.time.Instant.now().toString();
        String body = "{\"service\":\"conversations\",\"event\":\"conversation.updated\",\"payload\":{\"id\":\"conv-" + conversation + "\","
                + "\"status\":\"active\",\"featuredParticipants\":[],\"initiatingParticipant\":{\"id\":\"p-1\",\"type\":\"contact\","
                + "\"status\":\"active\",\"displayName\":\"Laura\",\"contact\":{\"identifierKey\":\"phonenumber\","
                + "\"identifierValue\":\"+" + phone + "\",\"platformAddress\":\"+" + phone + "\"}},\"channelId\":\"ch-1\","
                + "\"createdAt\":\"" + now + "\",\"updatedAt\":\"" + now + "\",\"platformStyle\":\"direct\"}}";
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        byte[] hash = SHA256.get().digest(bodyBytes);
        Mac mac = HMAC.get();
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((ts + "\n" + url + "\n").getBytes(StandardCharsets.UTF_8));
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(hash));
        String head = "POST /webhooks/" + source + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + bodyBytes.length + "\r\n"
                + "messagebird-request-timestamp: " + ts + "\r\nmessagebird-signature: " + signature + "\r\n\r\n";
        return concat(head.getBytes(StandardCharsets.US_ASCII), bodyBytes);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Reads one HTTP/1.1 response (Content-Length or chunked) and returns its status. */
    static int readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = -1;
        boolean chunked = false;
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            String lower = line.toLowerCase();
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            while (true) {
                int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
                skip(in, size);
                readLine(in);
                if (size == 0) {
                    break;
                }
            }
        } else if (length > 0) {
            skip(in, length);
        }
        return status;
    }

    static void skip(InputStream in, int n) throws IOException {
        byte[] buf = new byte[Math.max(1, n)];
        int read = 0;
        while (read < n) {
            int r = in.read(buf, read, n - read);
            if (r < 0) {
                throw new IOException("closed");
            }
            read += r;
        }
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("closed");
    }
}
