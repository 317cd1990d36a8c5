package io.conversationconnector.auth;

import java.util.Map;

import io.conversationconnector.ingest.WebhookRejected;

/**
 * Sinch: x-sinch-webhook-signature = base64(HMAC_alg(secret, body + "." + nonce + "." + timestamp)), alg from
 * x-sinch-webhook-signature-algorithm (HmacSHA256 or HmacSHA512). The timestamp must be within the source's
 * tolerance; the nonce is returned so it is recorded with the event and a reused nonce is refused (401),
 * also after a restart.
 */
public final class SinchSignatureAuthenticator implements WebhookAuthenticator {
    static final String SIGNATURE = "x-sinch-webhook-signature";
    static final String TIMESTAMP = "x-sinch-webhook-signature-timestamp";
    static final String NONCE = "x-sinch-webhook-signature-nonce";
    static final int MAX_NONCE_LENGTH = 256;
    static final String ALGORITHM = "x-sinch-webhook-signature-algorithm";
    private static final Map<String, String> ALGORITHMS = Map.of(
            "hmacsha256", "HmacSHA256",
            "hmacsha512", "HmacSHA512");

    @Override
    public String verify(InboundRequest request) {
        String signature = Crypto.requireHeader(request, SIGNATURE);
        String timestamp = Crypto.requireHeader(request, TIMESTAMP);
        String nonce = Crypto.requireHeader(request, NONCE);
        if (nonce.length() > MAX_NONCE_LENGTH) {
            // Stored (and indexed) to refuse replays: a nonce of any length would not fit the index.
            throw WebhookRejected.unauthorized(NONCE + " is longer than " + MAX_NONCE_LENGTH + " characters");
        }
        String algorithmHeader = request.header().apply(ALGORITHM);
        String algorithm = ALGORITHMS.get(algorithmHeader == null ? "hmacsha256" : algorithmHeader.strip().toLowerCase(java.util.Locale.ROOT));
        if (algorithm == null) {
            throw WebhookRejected.unauthorized("unsupported " + ALGORITHM + " (supported: HmacSHA256, HmacSHA512)");
        }
        long epoch = Crypto.parseEpochSeconds(timestamp, TIMESTAMP);
        Crypto.requireFresh(epoch, request.receivedAt(), request.source().timestampTolerance(), TIMESTAMP);
        byte[] expected = sign(algorithm, request.source().secret(), request.body(), nonce, timestamp);
        if (!Crypto.base64Matches(expected, signature)) {
            throw WebhookRejected.unauthorized("signature does not match");
        }
        return nonce;
    }

    static byte[] sign(String algorithm, String secret, byte[] body, String nonce, String timestamp) {
        return Crypto.hmac(algorithm, Crypto.utf8(secret), body, Crypto.utf8("." + nonce + "." + timestamp));
    }
}
