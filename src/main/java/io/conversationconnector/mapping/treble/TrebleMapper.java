package io.conversationconnector.mapping.treble;

import static io.conversationconnector.canonical.EventTypes.CONTACT_OPTED_OUT;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_CLOSED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_UPDATED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_DELIVERED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_INBOUND;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_READ;
import static io.conversationconnector.canonical.EventTypes.TEMPLATE_UPDATED;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.conversationconnector.canonical.Phones;
import io.conversationconnector.canonical.Sections;
import io.conversationconnector.mapping.Json;
import io.conversationconnector.mapping.MappedEvent;
import io.conversationconnector.mapping.MappingContext;
import io.conversationconnector.mapping.ProviderMapper;
import io.conversationconnector.mapping.Timestamps;

/**
 * Treble.ai (providers.md §2). Treble has no envelope and no event id: the URL says which webhook it is
 * (one URL per kind), and the dedupe key is built from the session id, the flow id and the kind's own time.
 * Times have no zone; the source's timeZone (default UTC) applies. conversation_id (the flow id) is an integer
 * in most webhooks and a string in "response": both read the same through {@link Json#text}.
 */
public final class TrebleMapper implements ProviderMapper {
    public static final Set<String> KINDS = Set.of("conversation-closed", "conversation-closed-hubspot", "opt-out",
            "delivered", "read", "response", "timeout", "condition", "hsm-status");

    /** Route step: Treble has one URL per webhook kind; any other kind is 404. */
    public void requireKnownKind(org.apache.camel.Exchange exchange) {
        String kind = exchange.getMessage().getHeader("segment", String.class);
        if (kind == null || !KINDS.contains(kind)) {
            throw io.conversationconnector.ingest.WebhookRejected.notFound("unknown_kind",
                    "Treble webhook kinds are: " + String.join(", ", new java.util.TreeSet<>(KINDS)));
        }
    }

    @Override
    public List<MappedEvent> map(JsonNode b, MappingContext ctx) {
        ZoneId zone = ctx.source().timeZone();
        String kind = ctx.kind();
        return switch (kind) {
            case "conversation-closed" -> List.of(closed(b, ctx, zone));
            case "conversation-closed-hubspot" -> List.of(closedHubspot(b, ctx, zone));
            case "opt-out" -> List.of(flowEvent(b, ctx, CONTACT_OPTED_OUT, null, "sent_at")
                    .optOut(new Sections.OptOut(reason(b), Json.text(b, "classified_answer", "text"))));
            case "delivered" -> List.of(flowEvent(b, ctx, MESSAGE_DELIVERED, Timestamps.local(Json.text(b, "delivered_at"), zone), "sent_at")
                    .message(new Sections.Message(null, "outbound", "delivered", Json.text(b, "sent_text"), null)));
            case "read" -> List.of(flowEvent(b, ctx, MESSAGE_READ, Timestamps.local(Json.text(b, "read_at"), zone), "sent_at")
                    .message(new Sections.Message(null, "outbound", "read", Json.text(b, "sent_text"), null)));
            case "response" -> List.of(flowEvent(b, ctx, MESSAGE_INBOUND, Timestamps.local(Json.text(b, "responded_at"), zone), "sent_at", "responded_at")
                    .message(new Sections.Message(null, "inbound", "received", Json.text(b, "actual_response"), null)));
            case "timeout" -> List.of(flowEvent(b, ctx, CONVERSATION_UPDATED, Timestamps.local(Json.text(b, "timeout_at"), zone), "timeout_at"));
            case "condition" -> List.of(flowEvent(b, ctx, CONVERSATION_UPDATED, null, "sent_at", "variable.name", "variable.value"));
            case "hsm-status" -> List.of(hsmStatus(b, ctx));
            default -> throw new IllegalArgumentException("unknown Treble kind " + kind);
        };
    }

    private static String reason(JsonNode b) {
        String reason = Json.text(b, "reason");
        return reason == null ? "opt_out" : Json.lower(reason);
    }

    /** delivered, read, response, opt-out, timeout, condition: they share session_id, conversation_id, phone. */
    private static MappedEvent flowEvent(JsonNode b, MappingContext ctx, String type, Instant occurredAt, String... keyFields) {
        String session = Json.text(b, "session_id");
        String[] parts = new String[keyFields.length + 2];
        parts[0] = session;
        parts[1] = Json.text(b, "conversation_id");
        for (int i = 0; i < keyFields.length; i++) {
            parts[i + 2] = Json.text(b, keyFields[i].split("\\."));
        }
        Instant lastInbound = MESSAGE_INBOUND.equals(type) ? occurredAt : null;
        return new MappedEvent(type, ctx.key(ctx.kind(), parts), occurredAt)
                .conversation(new Sections.Conversation(session, ctx.source().channel(), null, lastInbound))
                .contact(new Sections.Contact(Phones.toE164(Json.text(b, "country_code"), Json.text(b, "cellphone")), null, null));
    }

    private static MappedEvent closed(JsonNode b, MappingContext ctx, ZoneId zone) {
        String session = Json.text(b, "session", "external_id");
        String closedAtText = Json.text(b, "session", "closed_at");
        Instant closedAt = Timestamps.local(closedAtText, zone);
        // The transcript is not chronological (documented example): take the latest user message.
        Instant lastInbound = null;
        for (JsonNode m : Json.array(b, "messages")) {
            if ("user".equals(Json.text(m, "sender"))) {
                Instant created = Timestamps.local(Json.text(m, "created_at"), zone);
                if (created != null && (lastInbound == null || created.isAfter(lastInbound))) {
                    lastInbound = created;
                }
            }
        }
        String name = null;
        for (JsonNode k : Json.array(b, "user_session_keys")) {
            if ("name".equals(Json.text(k, "key"))) {
                name = Json.text(k, "value");
            }
        }
        return new MappedEvent(CONVERSATION_CLOSED, ctx.key(ctx.kind(), session, closedAtText), closedAt)
                .conversation(new Sections.Conversation(session, ctx.source().channel(), "closed", lastInbound))
                .contact(new Sections.Contact(Phones.toE164(Json.text(b, "user", "country_code"), Json.text(b, "user", "cellphone")), name, null))
                // Treble does not say why (final block answered, or its inactivity timer).
                .closure(new Sections.Closure("provider_closed", closedAt));
    }

    private static MappedEvent closedHubspot(JsonNode b, MappingContext ctx, ZoneId zone) {
        String session = Json.text(b, "external_id");
        String closedAtText = Json.text(b, "closed_at");
        Instant closedAt = Timestamps.local(closedAtText, zone);
        return new MappedEvent(CONVERSATION_CLOSED, ctx.key(ctx.kind(), session, closedAtText), closedAt)
                .conversation(new Sections.Conversation(session, ctx.source().channel(), "closed", null))
                .contact(new Sections.Contact(null, null, Json.text(b, "hubspot_contact_id")))
                .closure(new Sections.Closure("provider_closed", closedAt));
    }

    private static MappedEvent hsmStatus(JsonNode b, MappingContext ctx) {
        List<String> affected = Json.array(b, "affected_conversation_ids").stream().map(JsonNode::asText).toList();
        return new MappedEvent(TEMPLATE_UPDATED, ctx.key(ctx.kind(), Json.text(b, "event_id")), Timestamps.iso(Json.text(b, "timestamp")))
                .template(new Sections.Template(Json.text(b, "name"), Json.lower(Json.text(b, "status")), affected));
    }
}
