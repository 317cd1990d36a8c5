package io.conversationconnector.canonical;

import java.util.Set;

/** Canonical event type names (design.md, plus the contact and template additions documented in README). */
public final class EventTypes {
    public static final String CONVERSATION_OPENED = "conversation.opened";
    public static final String CONVERSATION_UPDATED = "conversation.updated";
    public static final String CONVERSATION_CLOSED = "conversation.closed";
    public static final String CONVERSATION_DELETED = "conversation.deleted";
    public static final String CONTACT_OPTED_OUT = "contact.opted_out";
    public static final String CONTACT_OPTED_IN = "contact.opted_in";
    public static final String CONTACT_CREATED = "contact.created";
    public static final String CONTACT_UPDATED = "contact.updated";
    public static final String CONTACT_DELETED = "contact.deleted";
    public static final String CONTACT_MERGED = "contact.merged";
    public static final String MESSAGE_INBOUND = "message.inbound";
    public static final String MESSAGE_SENT = "message.sent";
    public static final String MESSAGE_DELIVERED = "message.delivered";
    public static final String MESSAGE_READ = "message.read";
    public static final String MESSAGE_FAILED = "message.failed";
    public static final String TEMPLATE_UPDATED = "template.updated";
    public static final String WINDOW_EXPIRING = "window.expiring";
    public static final String WINDOW_EXPIRED = "window.expired";
    public static final String UNCLASSIFIED = "unclassified";

    public static final Set<String> ALL = Set.of(CONVERSATION_OPENED, CONVERSATION_UPDATED, CONVERSATION_CLOSED,
            CONVERSATION_DELETED, CONTACT_OPTED_OUT, CONTACT_OPTED_IN, CONTACT_CREATED, CONTACT_UPDATED,
            CONTACT_DELETED, CONTACT_MERGED, MESSAGE_INBOUND, MESSAGE_SENT, MESSAGE_DELIVERED, MESSAGE_READ,
            MESSAGE_FAILED, TEMPLATE_UPDATED, WINDOW_EXPIRING, WINDOW_EXPIRED, UNCLASSIFIED);

    private EventTypes() {
    }
}
