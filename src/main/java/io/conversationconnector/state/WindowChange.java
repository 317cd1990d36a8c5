package io.conversationconnector.state;

import java.time.Instant;

/** What one event says about a contact's WhatsApp window at one source. Null fields say nothing. */
public record WindowChange(String contactPhone, String source, Instant inboundAt, Instant providerExpiresAt,
                           Instant closedReportedAt, String fepConversationId, Instant fepStartedAt, Instant fepExpiresAt,
                           String pricingCategory, Instant pricingAt) {
}
