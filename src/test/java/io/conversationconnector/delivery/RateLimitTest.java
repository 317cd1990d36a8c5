package io.conversationconnector.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class RateLimitTest {
    static final Instant T = Instant.parse("2026-11-21T10:00:00Z");

    @Test
    void aNewBucketIsFullWithOneSecondsWorth() {
        assertThat(RateLimit.available(new RateLimit.Bucket(null, null), T, 50)).isEqualTo(50.0);
        assertThat(RateLimit.available(new RateLimit.Bucket(null, null), T, 0.5)).as("at least one token").isEqualTo(1.0);
    }

    @Test
    void refillsAtTheRateUpToTheCapacity() {
        RateLimit.Bucket empty = new RateLimit.Bucket(0.0, T);
        assertThat(RateLimit.available(empty, T, 10)).isEqualTo(0.0);
        assertThat(RateLimit.available(empty, T.plusMillis(250), 10)).isCloseTo(2.5, within(1e-9));
        assertThat(RateLimit.available(empty, T.plusSeconds(60), 10)).isEqualTo(10.0);
        assertThat(RateLimit.available(new RateLimit.Bucket(0.4, T), T.plusSeconds(1), 0.5)).isCloseTo(0.9, within(1e-9));
    }

    @Test
    void aClockBehindTheLastUpdateAddsNothing() {
        assertThat(RateLimit.available(new RateLimit.Bucket(3.0, T), T.minusSeconds(5), 10)).isEqualTo(3.0);
    }
}
