package io.conversationconnector.ingest;

import io.conversationconnector.auth.WebhookAuthenticator;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Route step: verifies the request with one provider's scheme (401 when it fails). */
public final class AuthenticationStep implements Processor {
    private final WebhookAuthenticator authenticator;

    public AuthenticationStep(WebhookAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    public void process(Exchange exchange) {
        IngestUnit unit = exchange.getProperty(IngestUnit.PROPERTY, IngestUnit.class);
        unit.replayKey(authenticator.verify(unit.request()));
    }
}
