package io.conversationconnector.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.conversationconnector.ingest.WebhookRejected;

/** Small helpers shared by the signature schemes. */
final class Crypto {
    private Crypto() {
    }

    static byte[] hmac(String algorithm, byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key, algorithm));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Constant-time comparison of an expected MAC with the base64 value a caller sent. */
    static boolean base64Matches(byte[] expected, String presentedBase64) {
        byte[] presented;
        try {
            presented = Base64.getDecoder().decode(presentedBase64.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, presented);
    }

    /** Constant-time string comparison (leaks only the length). */
    static boolean equalsConstantTime(String expected, String presented) {
        return presented != null && MessageDigest.isEqual(utf8(expected), utf8(presented));
    }

    static String requireHeader(InboundRequest request, String name) {
        String value = request.header().apply(name);
        if (value == null || value.isBlank()) {
            throw WebhookRejected.unauthorized("missing header " + name);
        }
        return value.strip();
    }

    static long parseEpochSeconds(String value, String header) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw WebhookRejected.unauthorized(header + " is not a Unix timestamp in seconds");
        }
    }

    static void requireFresh(long epochSeconds, Instant now, Duration tolerance, String header) {
        if (tolerance == null) {
            return;
        }
        long skew = Math.abs(now.getEpochSecond() - epochSeconds);
        if (skew > tolerance.toSeconds()) {
            throw WebhookRejected.unauthorized(header + " is outside the allowed tolerance of "
                    + tolerance.toSeconds() + "s (stale or replayed request)");
        }
    }
}
