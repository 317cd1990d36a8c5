package io.conversationconnector.ingest;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Route step of a classification branch (routes/classify.camel.yaml): records the branch's name with the event
 * (stored in inbox_event.branch). A Processor rather than a bean method: it runs for every event, and Camel's
 * bean-method binding costs several times more than the work itself.
 */
public final class BranchStep implements Processor {
    private final String branch;

    public BranchStep(String branch) {
        this.branch = branch;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getMessage().getBody(PendingEvent.class).setBranch(branch);
    }
}
