package io.conversationconnector.storage;

import io.conversationconnector.ingest.WebhookRejected;

/** The database cannot commit right now: answered 503 so the provider retries later. */
public class StorageUnavailable extends WebhookRejected {
    public StorageUnavailable(String detail) {
        super(503, "storage_unavailable", detail);
    }
}
