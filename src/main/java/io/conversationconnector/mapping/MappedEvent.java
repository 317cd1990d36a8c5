package io.conversationconnector.mapping;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import io.conversationconnector.canonical.CanonicalEvent;
import io.conversationconnector.canonical.Sections;

/**
 * A canonical event as a mapper fills it in, before the intake gives it an id, receive time and source.
 * providerEventId is the dedupe key: unique per source, stable across the provider's redeliveries.
 */
public final class MappedEvent {
    private final String type;
    private final String providerEventId;
    private final Instant occurredAt;
    private Sections.Conversation conversation;
    private Sections.Contact contact;
    private Sections.Message message;
    private Sections.Window window;
    private Sections.Closure closure;
    private Sections.OptOut optOut;
    private Sections.Template template;

    public MappedEvent(String type, String providerEventId, Instant occurredAt) {
        this.type = type;
        this.providerEventId = providerEventId;
        this.occurredAt = occurredAt;
    }

    public MappedEvent conversation(Sections.Conversation value) {
        this.conversation = value;
        return this;
    }

    public MappedEvent contact(Sections.Contact value) {
        this.contact = value == null || value.isEmpty() ? null : value;
        return this;
    }

    public MappedEvent message(Sections.Message value) {
        this.message = value;
        return this;
    }

    public MappedEvent window(Sections.Window value) {
        this.window = value;
        return this;
    }

    public MappedEvent closure(Sections.Closure value) {
        this.closure = value;
        return this;
    }

    public MappedEvent optOut(Sections.OptOut value) {
        this.optOut = value;
        return this;
    }

    public MappedEvent template(Sections.Template value) {
        this.template = value;
        return this;
    }

    public String type() {
        return type;
    }

    public String providerEventId() {
        return providerEventId;
    }

    public Instant occurredAt() {
        return occurredAt;
    }

    public Sections.Contact contact() {
        return contact;
    }

    public Sections.Conversation conversation() {
        return conversation;
    }

    public Sections.Message message() {
        return message;
    }

    public Sections.Window window() {
        return window;
    }

    public Sections.Closure closure() {
        return closure;
    }

    public Sections.OptOut optOut() {
        return optOut;
    }

    public Sections.Template template() {
        return template;
    }

    public CanonicalEvent toCanonical(String id, Instant receivedAt, String source, String provider, JsonNode raw) {
        return new CanonicalEvent(id, type, occurredAt == null ? receivedAt : occurredAt, receivedAt, source, provider,
                providerEventId, conversation, contact, message, window, closure, optOut, template, raw);
    }
}
