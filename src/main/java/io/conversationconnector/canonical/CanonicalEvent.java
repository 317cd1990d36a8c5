package io.conversationconnector.canonical;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The one event model every provider payload is translated into (design.md, "Canonical event").
 * Sections that do not apply are null and left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"id", "type", "occurredAt", "receivedAt", "source", "provider", "providerEventId",
        "conversation", "contact", "message", "window", "closure", "optOut", "template", "raw"})
public record CanonicalEvent(
        String id,
        String type,
        Instant occurredAt,
        Instant receivedAt,
        String source,
        String provider,
        String providerEventId,
        Sections.Conversation conversation,
        Sections.Contact contact,
        Sections.Message message,
        Sections.Window window,
        Sections.Closure closure,
        Sections.OptOut optOut,
        Sections.Template template,
        JsonNode raw) {

    /** The same event without the provider payload: what is stored in the canonical column. */
    public CanonicalEvent withoutRaw() {
        return new CanonicalEvent(id, type, occurredAt, receivedAt, source, provider, providerEventId,
                conversation, contact, message, window, closure, optOut, template, null);
    }
}
