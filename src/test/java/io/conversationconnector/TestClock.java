package io.conversationconnector;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** The connector's clock in tests: real time unless a test pins it (and it must un-pin it afterwards). */
public final class TestClock extends Clock {
    private final AtomicReference<Instant> pinned = new AtomicReference<>();

    public void pin(Instant now) {
        pinned.set(now);
    }

    public void release() {
        pinned.set(null);
    }

    @Override
    public Instant instant() {
        Instant p = pinned.get();
        return p != null ? p : Instant.now();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
