package io.conversationconnector.canonical;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/** The optional sections of a {@link CanonicalEvent}. */
public final class Sections {
    private Sections() {
    }

    /**
     * status: open | closed | deleted, as far as this event tells. lastInboundAt: the provider's time of the last
     * message from the contact, when the payload carries it (drives the WhatsApp customer-service window).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Conversation(String id, String channel, String status, Instant lastInboundAt) {
    }

    /** phone is E.164 when the provider gave a phone number we could normalise. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Contact(String phone, String displayName, String providerContactId) {
        /** Not a field of the canonical event (Jackson would write it as "empty"). */
        @JsonIgnore
        public boolean isEmpty() {
            return phone == null && displayName == null && providerContactId == null;
        }
    }

    /** direction: inbound | outbound. status: the provider's status, lower case. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Message(String id, String direction, String status, String text, String error) {
    }

    /**
     * WhatsApp window facts the provider reported. kind: customer_service | free_entry_point.
     * open=false when the provider told us the window is closed (e.g. an out-of-window failure).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Window(String kind, Instant expiresAt, String pricingCategory, String providerConversationId,
                         Boolean open) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Closure(String reason, Instant closedAt) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OptOut(String reason, String keyword) {
    }

    /** A message template (WhatsApp HSM) whose status changed; not part of design.md's first list. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Template(String name, String status, List<String> affectedConversationIds) {
    }
}
