package io.conversationconnector.ingest;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Route step: puts the event's type in the exchange property "eventType", for the router's conditions. */
public final class ReadEventType implements Processor {
    @Override
    public void process(Exchange exchange) {
        exchange.setProperty("eventType", exchange.getMessage().getBody(PendingEvent.class).getType());
    }
}
