package io.conversationconnector.state;

import java.time.Instant;

/**
 * What one event says about a conversation. Null fields say nothing. status is applied only when its event
 * time (statusAt) is not older than the time of the status already stored.
 */
public record ConversationChange(String source, String providerConversationId, String channel, String contactPhone,
                                 String providerContactId, String status, Instant statusAt, Instant seenAt,
                                 Instant activityAt, Instant inboundAt, Instant closedAt, String closureReason) {
}
