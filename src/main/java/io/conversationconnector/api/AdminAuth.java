package io.conversationconnector.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.conversationconnector.ingest.WebhookRejected;
import org.apache.camel.Header;

/** Guards /api/**: "Authorization: Bearer $ADMIN_TOKEN", compared in constant time. The token is never logged. */
public final class AdminAuth {
    private final byte[] token;

    public AdminAuth(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    public void requireAdmin(@Header("Authorization") String authorization) {
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).strip() : null;
        if (presented == null || !MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
            throw new WebhookRejected(401, "unauthorized", "send Authorization: Bearer <ADMIN_TOKEN>");
        }
    }
}
