package io.conversationconnector.state;

import java.time.Instant;

/**
 * A contact opting out (optedOut=true) or back in, at event time {@code at}. actor says who decided:
 * provider:&lt;source&gt;, keyword:&lt;source&gt; or operator:&lt;name&gt;.
 */
public record OptOutChange(String phone, boolean optedOut, Instant at, String reason, String keyword, String source,
                           String eventId, String actor, String note) {
}
