package io.conversationconnector.ingest;

import java.util.List;

import io.conversationconnector.canonical.CanonicalEvent;
import io.conversationconnector.canonical.EventIds;
import io.conversationconnector.mapping.MappedEvent;
import io.conversationconnector.mapping.ProviderMapper;
import io.conversationconnector.state.KeywordOptOuts;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Route step: maps the parsed payload with one provider's mapper into canonical events (ids, receive time,
 * source and the raw payload added here), adds keyword opt-outs/ins, and leaves them as the body for the router.
 */
public final class MappingStep implements Processor {
    /**
     * The longest identifier taken from a payload. Identifiers are keys of unique indexes (dedupe, conversation,
     * window, opt-out), and a btree entry holds at most 2,704 bytes: 512 characters of UTF-8 always fit.
     */
    static final int MAX_KEY_LENGTH = 512;

    private final ProviderMapper mapper;
    private final KeywordOptOuts keywords;

    public MappingStep(ProviderMapper mapper, KeywordOptOuts keywords) {
        this.mapper = mapper;
        this.keywords = keywords;
    }

    @Override
    public void process(Exchange exchange) {
        IngestUnit unit = exchange.getProperty(IngestUnit.PROPERTY, IngestUnit.class);
        var source = unit.request().source();
        List<MappedEvent> mapped = keywords.addDerived(mapper.map(unit.payload(), unit.mappingContext()), source);
        for (MappedEvent m : mapped) {
            CanonicalEvent event = m.toCanonical(EventIds.next(), unit.request().receivedAt(), source.id(), source.provider().id(),
                    unit.payload());
            requireKeysFit(event);
            unit.addEvent(new PendingEvent(event));
        }
        exchange.getMessage().setBody(unit.events());
    }

    /** An identifier too long to be a key is a malformed payload (400), not a storage failure. */
    static void requireKeysFit(CanonicalEvent e) {
        requireFits("the event id", e.providerEventId());
        if (e.conversation() != null) {
            requireFits("the conversation id", e.conversation().id());
        }
        if (e.contact() != null) {
            requireFits("the contact's phone", e.contact().phone());
            requireFits("the contact id", e.contact().providerContactId());
        }
        if (e.window() != null) {
            requireFits("the window's conversation id", e.window().providerConversationId());
        }
        if (e.message() != null) {
            requireFits("the message id", e.message().id());
        }
    }

    private static void requireFits(String what, String value) {
        if (value != null && value.length() > MAX_KEY_LENGTH) {
            throw WebhookRejected.badRequest("invalid_payload", what + " is longer than " + MAX_KEY_LENGTH + " characters");
        }
    }
}
