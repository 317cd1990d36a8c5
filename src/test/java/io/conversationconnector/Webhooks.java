package io.conversationconnector;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds requests the way each provider sends them, signed independently of the production code, with the
 * credentials of src/test/resources/test-config/sources.yaml.
 */
public final class Webhooks {
    public static final String TREBLE_TOKEN = "Bearer treble-test-token";
    public static final String TREBLE_API_KEY = "treble-api-key";
    public static final String BIRD_KEY = "bird-test-signing-key";
    public static final String BIRD_URL = "https://hooks.example.test/webhooks/bird-test";
    public static final String SINCH_SECRET = "sinch-test-secret";
    public static final String RASAYEL_TOKEN = "rasayel-test-token-0123456789";

    public record Request(String path, Map<String, String> headers, byte[] body) {
    }

    private Webhooks() {
    }

    public static byte[] fixture(String path) throws IOException {
        try (InputStream in = Webhooks.class.getResourceAsStream("/fixtures/" + path)) {
            if (in == null) {
                throw new IOException("no fixture " + path);
            }
            return in.readAllBytes();
        }
    }

    public static Request treble(String kind, byte[] body) {
        Map<String, String> h = json();
        h.put("Authorization", TREBLE_TOKEN);
        h.put("X-Api-Key", TREBLE_API_KEY);
        return new Request("/webhooks/treble-test/" + kind, h, body);
    }

    public static Request bird(byte[] body) {
        return bird("bird-test", BIRD_KEY, BIRD_URL, body, now());
    }

    public static Request bird(String source, String key, String signedUrl, byte[] body, long timestamp) {
        Map<String, String> h = json();
        String ts = Long.toString(timestamp);
        h.put("messagebird-request-timestamp", ts);
        h.put("messagebird-signature", Base64.getEncoder().encodeToString(
                hmac("HmacSHA256", key, (ts + "\n" + signedUrl + "\n").getBytes(StandardCharsets.UTF_8), sha256(body))));
        return new Request("/webhooks/" + source, h, body);
    }

    public static Request sinch(byte[] body) {
        return sinch(body, "nonce-" + UUID.randomUUID(), now(), SINCH_SECRET);
    }

    /** Signed at the given time: a connector on a pinned clock checks Sinch's timestamp against that clock. */
    public static Request sinch(byte[] body, java.time.Instant signedAt) {
        return sinch(body, "nonce-" + UUID.randomUUID(), signedAt.getEpochSecond(), SINCH_SECRET);
    }

    public static Request sinch(byte[] body, String nonce, long timestamp, String secret) {
        Map<String, String> h = json();
        String ts = Long.toString(timestamp);
        h.put("x-sinch-webhook-signature-timestamp", ts);
        h.put("x-sinch-webhook-signature-nonce", nonce);
        h.put("x-sinch-webhook-signature-algorithm", "HmacSHA256");
        h.put("x-sinch-webhook-signature", Base64.getEncoder().encodeToString(
                hmac("HmacSHA256", secret, body, ("." + nonce + "." + ts).getBytes(StandardCharsets.UTF_8))));
        return new Request("/webhooks/sinch-test", h, body);
    }

    public static Request rasayel(byte[] body) {
        return new Request("/webhooks/rasayel-test/" + RASAYEL_TOKEN, json(), body);
    }

    public static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static Map<String, String> json() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        return h;
    }

    private static byte[] hmac(String alg, String key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(alg);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), alg));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
