package io.conversationconnector.auth;

import io.conversationconnector.ingest.WebhookRejected;

/** One provider authentication scheme. Implementations compare secrets in constant time. */
public interface WebhookAuthenticator {

    /**
     * @return a replay key (Sinch's nonce) that must be recorded in the same transaction as the event, or null
     * @throws WebhookRejected 401 when the request is not authentic
     */
    String verify(InboundRequest request);
}
