package io.conversationconnector.auth;

import io.conversationconnector.ingest.WebhookRejected;

/** Rasayel does not sign; the unguessable token in /webhooks/{source}/{token} is the credential. */
public final class UrlTokenAuthenticator implements WebhookAuthenticator {
    @Override
    public String verify(InboundRequest request) {
        if (!Crypto.equalsConstantTime(request.source().token(), request.pathSegment())) {
            throw WebhookRejected.unauthorized("wrong token in the webhook URL");
        }
        return null;
    }
}
