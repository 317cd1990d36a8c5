package io.conversationconnector.auth;

import io.conversationconnector.config.SourceConfig;
import io.conversationconnector.ingest.WebhookRejected;

/**
 * Treble does not sign: it adds the static "Webhook Headers" configured in its console to every request.
 * Every configured header must be present with exactly the configured value.
 */
public final class HeaderTokenAuthenticator implements WebhookAuthenticator {
    @Override
    public String verify(InboundRequest request) {
        for (SourceConfig.HeaderCredential credential : request.source().authHeaders()) {
            String presented = request.header().apply(credential.header());
            if (presented == null) {
                throw WebhookRejected.unauthorized("missing header " + credential.header());
            }
            if (!Crypto.equalsConstantTime(credential.value(), presented.strip())) {
                throw WebhookRejected.unauthorized("wrong value in header " + credential.header());
            }
        }
        return null;
    }
}
