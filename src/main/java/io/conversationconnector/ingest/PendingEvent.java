package io.conversationconnector.ingest;

import io.conversationconnector.canonical.CanonicalEvent;
import io.conversationconnector.state.ConversationChange;
import io.conversationconnector.state.OptOutChange;
import io.conversationconnector.state.WindowChange;

/**
 * A canonical event on its way to the inbox, with the classification branch the router chose for it and the
 * state changes that branch decided on (applied only if the event is new).
 */
public final class PendingEvent {
    private final CanonicalEvent event;
    private String branch = "unrouted";
    private ConversationChange conversationChange;
    private WindowChange windowChange;
    private OptOutChange optOutChange;

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

    public ConversationChange getConversationChange() {
        return conversationChange;
    }

    public void setConversationChange(ConversationChange change) {
        this.conversationChange = change;
    }

    public WindowChange getWindowChange() {
        return windowChange;
    }

    public void setWindowChange(WindowChange change) {
        this.windowChange = change;
    }

    public OptOutChange getOptOutChange() {
        return optOutChange;
    }

    public void setOptOutChange(OptOutChange change) {
        this.optOutChange = change;
    }
}
