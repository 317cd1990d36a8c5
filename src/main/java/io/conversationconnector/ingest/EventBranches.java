package io.conversationconnector.ingest;

/**
 * The branches of the classification router (routes/classify.camel.yaml). Each records its name with the
 * event (stored in inbox_event.branch); state tracking and delivery hook in here.
 */
public final class EventBranches {
    public void closed(PendingEvent event) {
        event.setBranch("closed");
    }

    public void optStatus(PendingEvent event) {
        event.setBranch("opt-status");
    }

    public void delivery(PendingEvent event) {
        event.setBranch("delivery");
    }

    public void inboundMessage(PendingEvent event) {
        event.setBranch("inbound-message");
    }

    public void lifecycle(PendingEvent event) {
        event.setBranch("lifecycle");
    }

    public void other(PendingEvent event) {
        event.setBranch("other");
    }
}
