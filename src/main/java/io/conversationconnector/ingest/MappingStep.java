package io.conversationconnector.ingest;

import java.util.List;

import io.conversationconnector.canonical.EventIds;
import io.conversationconnector.mapping.MappedEvent;
import io.conversationconnector.mapping.ProviderMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Route step: maps the parsed payload with one provider's mapper into canonical events (ids, receive time,
 * source and the raw payload added here) and leaves them as the body for the router.
 */
public final class MappingStep implements Processor {
    private final ProviderMapper mapper;

    public MappingStep(ProviderMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void process(Exchange exchange) {
        IngestUnit unit = exchange.getProperty(IngestUnit.PROPERTY, IngestUnit.class);
        List<MappedEvent> mapped = mapper.map(unit.payload(), unit.mappingContext());
        var source = unit.request().source();
        for (MappedEvent m : mapped) {
            unit.addEvent(new PendingEvent(m.toCanonical(EventIds.next(), unit.request().receivedAt(), source.id(),
                    source.provider().id(), unit.payload())));
        }
        exchange.getMessage().setBody(unit.events());
    }
}
