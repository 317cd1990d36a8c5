package io.conversationconnector.delivery;

import java.time.Duration;
import java.time.Instant;

/**
 * A subscription's maxRatePerSecond as a token bucket stored with the subscription (so every node draws from the
 * same one): it refills at the rate and holds at most one second's worth (at least one token), so a quiet
 * subscription may receive a one-second burst and a busy one receives the rate on average.
 */
public final class RateLimit {
    /** The stored bucket: tokens left when it was last drawn from; both null before its first use (full). */
    public record Bucket(Double tokens, Instant updatedAt) {
    }

    private RateLimit() {
    }

    /** Tokens available now. A clock behind the last update (another node's) adds nothing rather than taking. */
    public static double available(Bucket bucket, Instant now, double ratePerSecond) {
        double capacity = Math.max(1.0, ratePerSecond);
        if (bucket.tokens() == null || bucket.updatedAt() == null) {
            return capacity;
        }
        long elapsedNanos = Math.max(0, Duration.between(bucket.updatedAt(), now).toNanos());
        return Math.min(capacity, bucket.tokens() + elapsedNanos / 1e9 * ratePerSecond);
    }
}
