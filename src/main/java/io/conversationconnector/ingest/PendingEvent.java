package io.conversationconnector.ingest;

import io.conversationconnector.canonical.CanonicalEvent;

/** A canonical event on its way to the inbox, with the classification branch the router chose for it. */
public final class PendingEvent {
    private final CanonicalEvent event;
    private String branch = "unrouted";

    public PendingEvent(CanonicalEvent event) {
        this.event = event;
    }

    public CanonicalEvent getEvent() {
        return event;
    }

    /** For the router: {@code ${body.type}}. */
    public String getType() {
        return event.type();
    }

    public String getBranch() {
        return branch;
    }

    public void setBranch(String branch) {
        this.branch = branch;
    }
}
