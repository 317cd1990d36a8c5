package io.conversationconnector.mapping.bird;

import static io.conversationconnector.canonical.EventTypes.CONVERSATION_CLOSED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_DELETED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_OPENED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_UPDATED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_DELIVERED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_FAILED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_INBOUND;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_READ;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_SENT;
import static io.conversationconnector.canonical.EventTypes.UNCLASSIFIED;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.conversationconnector.canonical.Phones;
import io.conversationconnector.canonical.Sections;
import io.conversationconnector.mapping.Json;
import io.conversationconnector.mapping.MappedEvent;
import io.conversationconnector.mapping.MappingContext;
import io.conversationconnector.mapping.ProviderMapper;
import io.conversationconnector.mapping.Timestamps;

/**
 * Bird Conversations API (providers.md §3): envelope {service, event, payload}. No event id is sent, so keys are
 * derived: conversation.created and .deleted by conversation id, conversation.updated by conversation id and
 * updatedAt (each update has a new updatedAt). A status of "closed" is a close. The lastMessage every
 * conversation event repeats becomes a message event keyed by message id (and status, for business messages),
 * so the same message is announced once however many updates carry it.
 */
public final class BirdMapper implements ProviderMapper {

    @Override
    public List<MappedEvent> map(JsonNode b, MappingContext ctx) {
        String event = Json.text(b, "event");
        JsonNode p = Json.at(b, "payload");
        if (event == null || p == null || !"conversations".equals(Json.text(b, "service"))) {
            return List.of(new MappedEvent(UNCLASSIFIED, ctx.key(event == null ? "bird" : event), null));
        }
        String conversationId = Json.text(p, "id");
        Sections.Contact contact = contact(p);
        String channel = ctx.source().channel();
        List<MappedEvent> events = new ArrayList<>();
        switch (event) {
            case "conversation.created" -> events.add(new MappedEvent(CONVERSATION_OPENED,
                    ctx.key(event, conversationId), Timestamps.iso(Json.text(p, "createdAt")))
                    .conversation(new Sections.Conversation(conversationId, channel, "open", lastInboundAt(p))).contact(contact));
            case "conversation.updated" -> {
                Instant updatedAt = Timestamps.iso(Json.text(p, "updatedAt"));
                boolean closed = "closed".equalsIgnoreCase(Json.text(p, "status"));
                MappedEvent e = new MappedEvent(closed ? CONVERSATION_CLOSED : CONVERSATION_UPDATED,
                        ctx.key(event, conversationId, Json.text(p, "updatedAt")), updatedAt)
                        .conversation(new Sections.Conversation(conversationId, channel, closed ? "closed" : "open", lastInboundAt(p)))
                        .contact(contact);
                if (closed) {
                    e.closure(new Sections.Closure("provider_closed", updatedAt));
                }
                events.add(e);
            }
            case "conversation.deleted" -> events.add(new MappedEvent(CONVERSATION_DELETED,
                    ctx.key(event, conversationId), Timestamps.iso(Json.text(p, "updatedAt")))
                    .conversation(new Sections.Conversation(conversationId, channel, "deleted", null)).contact(contact));
            default -> {
                return List.of(new MappedEvent(UNCLASSIFIED, ctx.key(event), null).contact(contact));
            }
        }
        MappedEvent message = lastMessage(p, ctx, conversationId, channel, contact);
        if (message != null && !"conversation.deleted".equals(event)) {
            events.add(message);
        }
        return events;
    }

    private static boolean fromContact(JsonNode lastMessage) {
        return "contact".equals(Json.text(lastMessage, "sender", "type"));
    }

    private static Instant lastInboundAt(JsonNode p) {
        JsonNode last = Json.at(p, "lastMessage");
        return last != null && fromContact(last) ? Timestamps.iso(Json.text(last, "createdAt")) : null;
    }

    private static MappedEvent lastMessage(JsonNode p, MappingContext ctx, String conversationId, String channel,
                                           Sections.Contact contact) {
        JsonNode m = Json.at(p, "lastMessage");
        String id = Json.text(m, "id");
        if (m == null || id == null) {
            return null;
        }
        String status = Json.lower(Json.text(m, "status"));
        String text = Json.text(m, "preview", "text");
        Instant createdAt = Timestamps.iso(Json.text(m, "createdAt"));
        if (fromContact(m)) {
            return new MappedEvent(MESSAGE_INBOUND, "message:" + id, createdAt)
                    .conversation(new Sections.Conversation(conversationId, channel, "open", createdAt))
                    .contact(contact)
                    .message(new Sections.Message(id, "inbound", status, text, null));
        }
        String type = switch (status == null ? "" : status) {
            case "delivered" -> MESSAGE_DELIVERED;
            case "read" -> MESSAGE_READ;
            case "failed", "sending_failed", "rejected" -> MESSAGE_FAILED;
            default -> MESSAGE_SENT;
        };
        return new MappedEvent(type, ctx.key("message", id, status == null ? "sent" : status), createdAt)
                .conversation(new Sections.Conversation(conversationId, channel, null, null))
                .contact(contact)
                .message(new Sections.Message(id, "outbound", status, text, null));
    }

    /** The contact participant: the initiating participant when it is a contact, else the first featured one. */
    private static Sections.Contact contact(JsonNode p) {
        JsonNode participant = Json.at(p, "initiatingParticipant");
        if (participant == null || !"contact".equals(Json.text(participant, "type"))) {
            participant = null;
            for (JsonNode f : Json.array(p, "featuredParticipants")) {
                if ("contact".equals(Json.text(f, "type"))) {
                    participant = f;
                    break;
                }
            }
        }
        if (participant == null) {
            return null;
        }
        String key = Json.text(participant, "contact", "identifierKey");
        String value = Json.text(participant, "contact", "identifierValue");
        String phone = key != null && key.toLowerCase(java.util.Locale.ROOT).startsWith("phone") ? Phones.toE164(value) : null;
        return new Sections.Contact(phone, Json.text(participant, "displayName"), Json.text(participant, "id"));
    }
}
