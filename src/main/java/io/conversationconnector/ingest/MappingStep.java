package io.conversationconnector.ingest;

import java.util.List;

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
            unit.addEvent(new PendingEvent(m.toCanonical(EventIds.next(), unit.request().receivedAt(), source.id(),
                    source.provider().id(), unit.payload())));
        }
        exchange.getMessage().setBody(unit.events());
    }
}
