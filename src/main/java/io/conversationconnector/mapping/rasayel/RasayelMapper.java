package io.conversationconnector.mapping.rasayel;

import static io.conversationconnector.canonical.EventTypes.CONTACT_CREATED;
import static io.conversationconnector.canonical.EventTypes.CONTACT_OPTED_OUT;
import static io.conversationconnector.canonical.EventTypes.CONTACT_UPDATED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_CLOSED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_OPENED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_UPDATED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_DELIVERED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_FAILED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_INBOUND;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_READ;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_SENT;
import static io.conversationconnector.canonical.EventTypes.TEMPLATE_UPDATED;
import static io.conversationconnector.canonical.EventTypes.UNCLASSIFIED;

import java.time.Instant;
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
 * Rasayel (providers.md §5): envelope {event, id, account, app, createdAt, deliveryAttempts, data}. The event id
 * is a UUID kept across redeliveries; the key is "event:id" because Rasayel's own documentation reuses one id
 * for different events. Times are epoch seconds, and the envelope's time key varies between createdAt,
 * opened_at, closed_at and assigned_at.
 */
public final class RasayelMapper implements ProviderMapper {

    @Override
    public List<MappedEvent> map(JsonNode b, MappingContext ctx) {
        String event = Json.text(b, "event");
        JsonNode data = Json.at(b, "data");
        String key = ctx.key(event == null ? "rasayel" : event, Json.text(b, "id"));
        Instant at = Timestamps.epochSeconds(Json.firstText(b, "createdAt", "opened_at", "closed_at", "assigned_at",
                "openedAt", "closedAt", "assignedAt"));
        if (event == null || data == null) {
            return List.of(new MappedEvent(UNCLASSIFIED, key, at));
        }
        MappedEvent mapped = switch (event) {
            case "conversation.created", "conversation.opened" -> conversationEvent(CONVERSATION_OPENED, key, at, data);
            case "conversation.closed" -> {
                Instant closedAt = Timestamps.firstNonNull(Timestamps.epochSeconds(Json.text(data, "closedAt")),
                        Timestamps.epochSeconds(Json.text(b, "closed_at")), at);
                yield conversationEvent(CONVERSATION_CLOSED, key, at, data).closure(new Sections.Closure("provider_closed", closedAt));
            }
            case "conversation.snoozed", "conversation.assigned", "conversation.tag.created", "conversation.tag.destroyed",
                    "workflow_bot.flow_started", "workflow_bot.flow_ended", "workflow_bot.flow_finished",
                    "whatsapp_flow_response_state.created", "cleo_agent.finished", "mention.created" ->
                    conversationEvent(CONVERSATION_UPDATED, key, at, conversationOf(data));
            case "message.created", "message.updated" -> messageEvent(event, key, at, data);
            case "channel_user.created" -> new MappedEvent(CONTACT_CREATED, key, at).contact(contactOfUser(data));
            case "channel_user.tag.created", "channel_user.tag.destroyed" ->
                    new MappedEvent(CONTACT_UPDATED, key, at).contact(contactOfUser(Json.at(data, "channelUser") != null ? Json.at(data, "channelUser") : data));
            case "message_template.created", "message_template.updated" -> new MappedEvent(TEMPLATE_UPDATED, key, at)
                    .template(new Sections.Template(Json.text(data, "name"), Json.lower(Json.firstText(data, "status", "state")), List.of()));
            default -> new MappedEvent(UNCLASSIFIED, key, at);
        };
        // A conversation in state BLOCKED means the contact blocked the business: an opt-out for every source.
        JsonNode conversation = event.startsWith("conversation.") ? conversationOf(data) : Json.at(data, "conversation");
        if ("BLOCKED".equals(Json.text(conversation, "state")) && mapped.contact() != null) {
            return List.of(mapped, new MappedEvent(CONTACT_OPTED_OUT, key + ":blocked", at)
                    .conversation(mapped.conversation()).contact(mapped.contact())
                    .optOut(new Sections.OptOut("blocked", null)));
        }
        return List.of(mapped);
    }

    /** Events about a conversation carry it as data, or (bot, mention, flow events) under data.conversation. */
    private static JsonNode conversationOf(JsonNode data) {
        JsonNode nested = Json.at(data, "conversation");
        return nested != null ? nested : data;
    }

    private static MappedEvent conversationEvent(String type, String key, Instant at, JsonNode c) {
        return new MappedEvent(type, key, at)
                .conversation(conversation(c))
                .contact(contact(c))
                .window(window(c));
    }

    private static Sections.Conversation conversation(JsonNode c) {
        String state = Json.text(c, "state");
        String status = state == null ? null : switch (state) {
            case "CLOSED", "TERMINATED" -> "closed";
            default -> "open";
        };
        return new Sections.Conversation(Json.text(c, "id"), channel(Json.text(c, "channelType")), status,
                Timestamps.epochSeconds(Json.text(c, "lastInboundMessageAt")));
    }

    private static MappedEvent messageEvent(String event, String key, Instant at, JsonNode m) {
        JsonNode c = Json.at(m, "conversation");
        boolean inbound = "INBOUND".equals(Json.text(m, "direction"));
        String id = Json.text(m, "id");
        String text = Json.text(m, "body");
        Instant created = Timestamps.epochSeconds(Json.text(m, "createdAt"));
        String type;
        String status;
        Instant occurred = created;
        if ("message.created".equals(event)) {
            type = inbound ? MESSAGE_INBOUND : MESSAGE_SENT;
            status = inbound ? "received" : "sent";
        } else if (inbound) {
            type = CONVERSATION_UPDATED; // an inbound message edited or deleted: not a new message
            status = "updated";
            occurred = at;
        } else {
            String[][] byPrecedence = {{"failedAt", MESSAGE_FAILED, "failed"}, {"readAt", MESSAGE_READ, "read"},
                    {"deliveredAt", MESSAGE_DELIVERED, "delivered"}, {"sentAt", MESSAGE_SENT, "sent"}};
            type = MESSAGE_SENT;
            status = "sent";
            occurred = at;
            for (String[] candidate : byPrecedence) {
                Instant when = Timestamps.epochSeconds(Json.text(m, candidate[0]));
                if (when != null) {
                    type = candidate[1];
                    status = candidate[2];
                    occurred = when;
                    break;
                }
            }
        }
        Sections.Conversation conversation = conversation(c == null ? m : c);
        if (MESSAGE_INBOUND.equals(type)) {
            conversation = new Sections.Conversation(conversation.id(), conversation.channel(), "open",
                    Timestamps.firstNonNull(created, conversation.lastInboundAt()));
        }
        Sections.Contact contact = contact(c);
        if (contact == null && inbound) {
            contact = contactOfUser(Json.at(m, "user"));
        }
        return new MappedEvent(type, key, Timestamps.firstNonNull(occurred, at))
                .conversation(c == null ? null : conversation)
                .contact(contact)
                .window(c == null ? null : window(c))
                .message(new Sections.Message(id, inbound ? "inbound" : "outbound", status, text, null));
    }

    /** Rasayel reports the window end itself: WINDOW_EXPIRY_TIMESTAMP condition, or messageWindowExpiresAt. */
    private static Sections.Window window(JsonNode c) {
        Instant expires = null;
        for (JsonNode condition : Json.array(c, "messageWindowExpiryConditions")) {
            if ("WINDOW_EXPIRY_TIMESTAMP".equals(Json.text(condition, "type"))) {
                expires = Timestamps.epochSeconds(Json.text(condition, "value"));
            }
        }
        if (expires == null) {
            expires = Timestamps.epochSeconds(Json.text(c, "messageWindowExpiresAt"));
        }
        return expires == null ? null : new Sections.Window("customer_service", expires, null, null, null);
    }

    private static Sections.Contact contact(JsonNode c) {
        for (JsonNode participant : Json.array(c, "participants")) {
            JsonNode user = Json.at(participant, "user");
            if ("ChannelUser".equals(Json.text(user, "__typename"))) {
                return contactOfUser(user);
            }
        }
        return null;
    }

    private static Sections.Contact contactOfUser(JsonNode user) {
        if (user == null) {
            return null;
        }
        String phone = null;
        for (JsonNode identifier : Json.array(user, "identifiers")) {
            if (phone == null && "PHONE".equals(Json.text(identifier, "category"))) {
                phone = Phones.toE164(Json.text(identifier, "sourceId"));
            }
        }
        String name = Json.firstText(user, "displayName", "name", "fullName");
        return new Sections.Contact(phone, name, Json.text(user, "id"));
    }

    private static String channel(String channelType) {
        if (channelType == null) {
            return null;
        }
        if (channelType.endsWith("_WABA")) {
            return "whatsapp";
        }
        return switch (channelType) {
            case "FACEBOOK" -> "messenger";
            default -> Json.lower(channelType);
        };
    }
}
