package io.conversationconnector.auth;

import io.conversationconnector.ingest.WebhookRejected;

/**
 * Bird: messagebird-signature = base64(HMAC-SHA256(signingKey, timestamp + "\n" + url + "\n" + SHA256(body))),
 * where SHA256(body) is the raw 32-byte digest, not hex. The URL is the one Bird called: the source's publicUrl
 * when configured (behind a proxy), otherwise the URL rebuilt from the request.
 * Bird retries keep the original timestamp (hours old), so no tolerance is enforced unless configured.
 */
public final class BirdSignatureAuthenticator implements WebhookAuthenticator {
    static final String SIGNATURE = "messagebird-signature";
    static final String TIMESTAMP = "messagebird-request-timestamp";

    @Override
    public String verify(InboundRequest request) {
        String signature = Crypto.requireHeader(request, SIGNATURE);
        String timestamp = Crypto.requireHeader(request, TIMESTAMP);
        long epoch = Crypto.parseEpochSeconds(timestamp, TIMESTAMP);
        Crypto.requireFresh(epoch, request.receivedAt(), request.source().timestampTolerance(), TIMESTAMP);
        String url = request.source().publicUrl() != null ? request.source().publicUrl().toString() : request.requestUrl();
        byte[] expected = sign(request.source().signingKey(), timestamp, url, request.body());
        if (!Crypto.base64Matches(expected, signature)) {
            throw WebhookRejected.unauthorized("signature does not match (signed URL checked: " + url + ")");
        }
        return null;
    }

    static byte[] sign(String signingKey, String timestamp, String url, byte[] body) {
        return Crypto.hmac("HmacSHA256", Crypto.utf8(signingKey),
                Crypto.utf8(timestamp + "\n" + url + "\n"), Crypto.sha256(body));
    }
}
