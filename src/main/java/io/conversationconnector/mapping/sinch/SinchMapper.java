package io.conversationconnector.mapping.sinch;

import static io.conversationconnector.canonical.EventTypes.CONTACT_CREATED;
import static io.conversationconnector.canonical.EventTypes.CONTACT_DELETED;
import static io.conversationconnector.canonical.EventTypes.CONTACT_MERGED;
import static io.conversationconnector.canonical.EventTypes.CONTACT_OPTED_IN;
import static io.conversationconnector.canonical.EventTypes.CONTACT_OPTED_OUT;
import static io.conversationconnector.canonical.EventTypes.CONTACT_UPDATED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_CLOSED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_DELETED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_OPENED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_DELIVERED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_FAILED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_INBOUND;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_READ;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_SENT;
import static io.conversationconnector.canonical.EventTypes.UNCLASSIFIED;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.canonical.Phones;
import io.conversationconnector.canonical.Sections;
import io.conversationconnector.mapping.Json;
import io.conversationconnector.mapping.MappedEvent;
import io.conversationconnector.mapping.MappingContext;
import io.conversationconnector.mapping.ProviderMapper;
import io.conversationconnector.mapping.Timestamps;

/**
 * Sinch Conversation API (providers.md §4): common top-level fields plus exactly one payload key, which says what
 * happened. Sinch sends no event id; keys are derived from the payload's own ids (see each case). Payload keys we
 * do not map (event_delivery_report, capability_notification, ...) are stored as unclassified, keyed by body hash.
 */
public final class SinchMapper implements ProviderMapper {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Channels whose identity is a phone number. */
    private static final Set<String> PHONE_CHANNELS = Set.of("WHATSAPP", "SMS", "MMS", "RCS", "VIBER", "VIBERBM");
    private static final List<String> KNOWN_KEYS = List.of("message", "message_delivery_report",
            "conversation_start_notification", "conversation_stop_notification", "conversation_delete_notification",
            "opt_out_notification", "opt_in_notification", "contact_create_notification", "contact_update_notification",
            "contact_delete_notification", "contact_merge_notification");
    private static final List<String> OTHER_KEYS = List.of("event_delivery_report", "event",
            "contact_identities_duplication_notification", "capability_notification", "channel_event_notification",
            "smart_conversation_notification", "message_submit_notification", "unsupported_callback",
            "record_notification", "message_inbound_smart_conversation_redaction");

    @Override
    public List<MappedEvent> map(JsonNode b, MappingContext ctx) {
        Instant eventTime = Timestamps.firstNonNull(Timestamps.iso(Json.text(b, "event_time")), Timestamps.iso(Json.text(b, "accepted_time")));
        for (String key : KNOWN_KEYS) {
            JsonNode p = Json.at(b, key);
            if (p != null) {
                return List.of(map(key, p, b, ctx, eventTime));
            }
        }
        for (String key : OTHER_KEYS) {
            if (Json.at(b, key) != null) {
                return List.of(new MappedEvent(UNCLASSIFIED, ctx.key(key), eventTime));
            }
        }
        return List.of(new MappedEvent(UNCLASSIFIED, ctx.key("sinch"), eventTime));
    }

    private MappedEvent map(String key, JsonNode p, JsonNode b, MappingContext ctx, Instant eventTime) {
        return switch (key) {
            case "message" -> message(p, ctx, eventTime);
            case "message_delivery_report" -> deliveryReport(p, b, ctx, eventTime);
            case "conversation_start_notification" -> conversation(CONVERSATION_OPENED, "conversation_start", "open", p, ctx, eventTime);
            case "conversation_stop_notification" -> conversation(CONVERSATION_CLOSED, "conversation_stop", "closed", p, ctx, eventTime)
                    .closure(new Sections.Closure("provider_closed", eventTime == null ? ctx.receivedAt() : eventTime));
            case "conversation_delete_notification" -> conversation(CONVERSATION_DELETED, "conversation_delete", "deleted", p, ctx, eventTime);
            case "opt_out_notification" -> optStatus(p, ctx, eventTime, "opt_out", "OPT_OUT_SUCCEEDED", CONTACT_OPTED_OUT);
            case "opt_in_notification" -> optStatus(p, ctx, eventTime, "opt_in", "OPT_IN_SUCCEEDED", CONTACT_OPTED_IN);
            case "contact_create_notification" -> contactEvent(CONTACT_CREATED, Json.at(p, "contact"), ctx.key("contact_create", Json.text(p, "contact", "id")), eventTime);
            case "contact_update_notification" -> contactEvent(CONTACT_UPDATED, Json.at(p, "contact"),
                    ctx.key("contact_update", Json.text(p, "contact", "id"), Json.text(b, "accepted_time")), eventTime);
            case "contact_delete_notification" -> contactEvent(CONTACT_DELETED, Json.at(p, "contact"), ctx.key("contact_delete", Json.text(p, "contact", "id")), eventTime);
            case "contact_merge_notification" -> contactEvent(CONTACT_MERGED, Json.at(p, "preserved_contact"),
                    ctx.key("contact_merge", Json.text(p, "preserved_contact", "id"), Json.text(p, "deleted_contact", "id")), eventTime);
            default -> throw new IllegalStateException(key);
        };
    }

    /** MESSAGE_INBOUND (direction TO_APP), or an echo of an app message (TO_CONTACT). Key: the message id. */
    private static MappedEvent message(JsonNode m, MappingContext ctx, Instant eventTime) {
        boolean inbound = !"TO_CONTACT".equals(Json.text(m, "direction"));
        String channel = Json.text(m, "channel_identity", "channel");
        Instant at = Timestamps.firstNonNull(Timestamps.iso(Json.text(m, "accept_time")), eventTime);
        JsonNode content = Json.at(m, inbound ? "contact_message" : "app_message");
        String text = Json.firstText(content, "text_message.text", "media_message.url", "choice_response_message.message_id",
                "location_message.title", "fallback_message.raw_message", "media_card_message.url", "reply_to.message_id");
        String id = Json.text(m, "id");
        return new MappedEvent(inbound ? MESSAGE_INBOUND : MESSAGE_SENT, ctx.key("message", id), at)
                .conversation(new Sections.Conversation(Json.text(m, "conversation_id"), Json.lower(channel), inbound ? "open" : null, inbound ? at : null))
                .contact(contact(channel, Json.text(m, "channel_identity", "identity"), Json.text(m, "contact_id"), null))
                .message(new Sections.Message(id, inbound ? "inbound" : "outbound", inbound ? "received" : "sent", text, null));
    }

    /**
     * MESSAGE_DELIVERY. Key: message id + status (+ channel, since a message can switch channel). WhatsApp pricing
     * info comes in message_metadata, a JSON string or an object depending on the SDK generation.
     */
    private static MappedEvent deliveryReport(JsonNode r, JsonNode b, MappingContext ctx, Instant eventTime) {
        String status = Json.text(r, "status");
        String channel = Json.text(r, "channel_identity", "channel");
        String type = switch (status == null ? "" : status) {
            case "DELIVERED" -> MESSAGE_DELIVERED;
            case "READ" -> MESSAGE_READ;
            case "FAILED" -> MESSAGE_FAILED;
            default -> MESSAGE_SENT; // QUEUED_ON_CHANNEL, SWITCHING_CHANNEL: on its way, not final
        };
        String reasonCode = Json.text(r, "reason", "code");
        String error = reasonCode == null ? null : reasonCode + optionalSuffix(Json.text(r, "reason", "description"));
        String messageId = Json.text(r, "message_id");
        MappedEvent e = new MappedEvent(type, ctx.key("delivery", messageId, status, channel), eventTime)
                .conversation(new Sections.Conversation(Json.text(r, "conversation_id"), Json.lower(channel), null, null))
                .contact(contact(channel, Json.text(r, "channel_identity", "identity"), Json.text(r, "contact_id"), null))
                .message(new Sections.Message(messageId, "outbound", Json.lower(status), null, error));
        if ("WHATSAPP".equals(channel)) {
            e.window(window(b, reasonCode));
        }
        return e;
    }

    private static Sections.Window window(JsonNode b, String reasonCode) {
        if ("OUTSIDE_ALLOWED_SENDING_WINDOW".equals(reasonCode)) {
            return new Sections.Window("customer_service", null, null, null, false);
        }
        JsonNode metadata = metadata(Json.at(b, "message_metadata"));
        String category = Json.lower(Json.text(metadata, "pricing_category"));
        String waConversation = Json.text(metadata, "whatsapp_conversation_id");
        if (category == null && waConversation == null) {
            return null;
        }
        String kind = category == null ? null : switch (category) {
            case "free_entry_point", "referral_conversion" -> "free_entry_point";
            case "service", "free_customer_service" -> "customer_service";
            default -> null;
        };
        Instant expires = Timestamps.epochSeconds(Json.text(metadata, "expiration_timestamp"));
        return new Sections.Window(kind, expires, category, waConversation, null);
    }

    /** message_metadata is "" or a JSON string in the Java SDK, an object in the .NET SDK: accept both. */
    static JsonNode metadata(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isObject()) {
            return node;
        }
        if (node.isTextual() && node.asText().strip().startsWith("{")) {
            try {
                JsonNode parsed = JSON.readTree(node.asText());
                return parsed.isObject() ? parsed : null;
            } catch (java.io.IOException e) {
                return null; // free-form metadata of the sender: not ours to reject
            }
        }
        return null;
    }

    /** CONVERSATION_START/STOP/DELETE: the Sinch conversation (not WhatsApp's). Key: conversation id. */
    private static MappedEvent conversation(String type, String keyPrefix, String status, JsonNode p, MappingContext ctx, Instant eventTime) {
        JsonNode c = Json.at(p, "conversation");
        // DELETE comes as a full conversation object or as {conversation_id} alone.
        String id = c != null ? Json.text(c, "id") : Json.text(p, "conversation_id");
        return new MappedEvent(type, ctx.key(keyPrefix, id), eventTime)
                .conversation(new Sections.Conversation(id, Json.lower(Json.text(c, "active_channel")), status,
                        Timestamps.iso(Json.text(c, "last_received"))))
                .contact(new Sections.Contact(null, null, Json.text(c, "contact_id")));
    }

    /**
     * OPT_OUT / OPT_IN carry channel notifications or results of /optouts:register requests. Only a SUCCEEDED
     * status changes anything; a failed or unspecified one is stored as unclassified.
     * Key: request_id, else contact + channel + accepted_time.
     */
    private static MappedEvent optStatus(JsonNode p, MappingContext ctx, Instant eventTime, String prefix, String success, String type) {
        String requestId = Json.text(p, "request_id");
        String key = requestId != null ? ctx.key(prefix, requestId)
                : ctx.key(prefix, Json.text(p, "contact_id"), Json.text(p, "channel"), eventTime == null ? null : eventTime.toString());
        boolean succeeded = success.equals(Json.text(p, "status"));
        String channel = Json.text(p, "channel");
        MappedEvent e = new MappedEvent(succeeded ? type : UNCLASSIFIED, key, eventTime)
                .contact(contact(channel, Json.text(p, "identity"), Json.text(p, "contact_id"), null));
        if (succeeded && CONTACT_OPTED_OUT.equals(type)) {
            e.optOut(new Sections.OptOut("channel_opt_out", null));
        }
        return e;
    }

    private static MappedEvent contactEvent(String type, JsonNode contact, String key, Instant eventTime) {
        String phone = null;
        for (JsonNode identity : Json.array(contact, "channel_identities")) {
            if (phone == null && isPhoneChannel(Json.text(identity, "channel"))) {
                phone = Phones.toE164(Json.text(identity, "identity"));
            }
        }
        return new MappedEvent(type, key, eventTime)
                .contact(new Sections.Contact(phone, Json.text(contact, "display_name"), Json.text(contact, "id")));
    }

    private static Sections.Contact contact(String channel, String identity, String contactId, String displayName) {
        String phone = isPhoneChannel(channel) ? Phones.toE164(identity) : null;
        return new Sections.Contact(phone, displayName, contactId);
    }

    /** A payload may leave the channel out; Set.of refuses to look up null. */
    private static boolean isPhoneChannel(String channel) {
        return channel != null && PHONE_CHANNELS.contains(channel);
    }

    private static String optionalSuffix(String description) {
        return description == null ? "" : ": " + description;
    }
}
