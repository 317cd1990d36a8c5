package io.conversationconnector.state;

import static io.conversationconnector.canonical.EventTypes.CONTACT_OPTED_IN;
import static io.conversationconnector.canonical.EventTypes.CONTACT_OPTED_OUT;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_CLOSED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_DELETED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_OPENED;
import static io.conversationconnector.canonical.EventTypes.CONVERSATION_UPDATED;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_INBOUND;

import java.time.Instant;

import io.conversationconnector.canonical.CanonicalEvent;
import io.conversationconnector.canonical.Sections;
import io.conversationconnector.ingest.PendingEvent;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * What an event means for conversation state, WhatsApp windows and opt-outs. The classification branches in
 * routes/classify.camel.yaml attach these changes with the {@link Track} steps; they are written in the event's
 * own transaction, and only when the event is new (a duplicate changes nothing).
 */
public final class StateRules {
    private StateRules() {
    }

    /** Route steps trackConversation, trackWindow and trackOptOut (Processors: they run for every event). */
    public enum Track implements Processor {
        CONVERSATION {
            @Override
            public void process(Exchange exchange) {
                PendingEvent p = exchange.getMessage().getBody(PendingEvent.class);
                p.setConversationChange(conversationChange(p.getEvent()));
            }
        },
        WINDOW {
            @Override
            public void process(Exchange exchange) {
                PendingEvent p = exchange.getMessage().getBody(PendingEvent.class);
                p.setWindowChange(windowChange(p.getEvent()));
            }
        },
        OPT_OUT {
            @Override
            public void process(Exchange exchange) {
                PendingEvent p = exchange.getMessage().getBody(PendingEvent.class);
                p.setOptOutChange(optOutChange(p.getEvent()));
            }
        }
    }

    public static ConversationChange conversationChange(CanonicalEvent e) {
        Sections.Conversation c = e.conversation();
        if (c == null || c.id() == null) {
            return null;
        }
        String status = switch (e.type()) {
            case CONVERSATION_OPENED, MESSAGE_INBOUND -> "open";
            case CONVERSATION_CLOSED -> "closed";
            case CONVERSATION_DELETED -> "deleted";
            case CONVERSATION_UPDATED -> c.status();
            default -> null;
        };
        boolean message = e.type().startsWith("message.");
        Instant inbound = MESSAGE_INBOUND.equals(e.type()) ? WindowRules.latest(e.occurredAt(), c.lastInboundAt()) : c.lastInboundAt();
        Sections.Contact contact = e.contact();
        boolean closes = "closed".equals(status);
        return new ConversationChange(e.source(), c.id(), c.channel(), contact == null ? null : contact.phone(),
                contact == null ? null : contact.providerContactId(), status, status == null ? null : e.occurredAt(),
                e.occurredAt(), message ? e.occurredAt() : null, inbound,
                closes ? closedAt(e) : null, closes ? (e.closure() == null ? "provider_closed" : e.closure().reason()) : null);
    }

    private static Instant closedAt(CanonicalEvent e) {
        return e.closure() != null && e.closure().closedAt() != null ? e.closure().closedAt() : e.occurredAt();
    }

    /** Only for WhatsApp contacts with a phone number; null when the event says nothing about the window. */
    public static WindowChange windowChange(CanonicalEvent e) {
        String phone = e.contact() == null ? null : e.contact().phone();
        Sections.Conversation c = e.conversation();
        Sections.Window w = e.window();
        boolean whatsapp = w != null || (c != null && "whatsapp".equals(c.channel()));
        if (phone == null || !whatsapp) {
            return null;
        }
        Instant inbound = MESSAGE_INBOUND.equals(e.type()) ? e.occurredAt() : (c == null ? null : c.lastInboundAt());
        Instant providerExpires = null;
        Instant closedReported = null;
        String fepId = null;
        Instant fepStart = null;
        Instant fepEnd = null;
        String pricing = null;
        if (w != null) {
            if (Boolean.FALSE.equals(w.open())) {
                closedReported = e.occurredAt();
            } else if ("free_entry_point".equals(w.kind())) {
                fepId = w.providerConversationId();
                fepStart = e.occurredAt();
                fepEnd = w.expiresAt() != null ? w.expiresAt() : e.occurredAt().plus(WindowRules.FREE_ENTRY_POINT);
            } else if (w.expiresAt() != null) {
                providerExpires = w.expiresAt();
            }
            pricing = w.pricingCategory();
        }
        if (inbound == null && providerExpires == null && closedReported == null && fepStart == null && pricing == null) {
            return null;
        }
        return new WindowChange(phone, e.source(), inbound, providerExpires, closedReported, fepId, fepStart, fepEnd,
                pricing, pricing == null ? null : e.occurredAt());
    }

    public static OptOutChange optOutChange(CanonicalEvent e) {
        String phone = e.contact() == null ? null : e.contact().phone();
        boolean out = CONTACT_OPTED_OUT.equals(e.type());
        if (phone == null || !(out || CONTACT_OPTED_IN.equals(e.type()))) {
            return null;
        }
        Sections.OptOut o = e.optOut();
        boolean byKeyword = o != null && "keyword".equals(o.reason());
        return new OptOutChange(phone, out, e.occurredAt(), o == null ? null : o.reason(), o == null ? null : o.keyword(),
                e.source(), e.id(), (byKeyword ? "keyword:" : "provider:") + e.source(), null);
    }
}
