package io.conversationconnector.mapping;

import java.time.Instant;
import java.util.HexFormat;

import io.conversationconnector.canonical.EventIds;
import io.conversationconnector.config.SourceConfig;

/**
 * What a mapper knows besides the payload.
 *
 * @param kind the Treble webhook kind from the URL; null for other providers
 */
public record MappingContext(SourceConfig source, String kind, byte[] rawBody, Instant receivedAt) {

    /**
     * Fallback dedupe key part for payloads with no natural id: identical redeliveries of the same bytes
     * collapse, different payloads never do.
     */
    public String bodyHash() {
        try {
            return "sha256:" + HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(rawBody));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Joins key parts with ':'; when any part is missing, or none is given (a payload with no id of its own), the
     * key falls back to {@code prefix:sha256:<body hash>} so two different payloads never share a key by accident.
     */
    public String key(String prefix, String... parts) {
        return outsideGenerated(joined(prefix, parts));
    }

    private String joined(String prefix, String... parts) {
        boolean complete = parts.length > 0 && java.util.Arrays.stream(parts).allMatch(part -> part != null && !part.isEmpty());
        return prefix + ":" + (complete ? String.join(":", parts) : bodyHash());
    }

    /**
     * Bird's and Rasayel's keys start with the event name their payload gives: one named so as to look like a key
     * the connector generates is moved aside, so it can never stand in for (and so cancel) a sweep's event.
     */
    private static String outsideGenerated(String key) {
        return key.startsWith(EventIds.GENERATED_KEY_PREFIX) ? "provider:" + key : key;
    }
}
