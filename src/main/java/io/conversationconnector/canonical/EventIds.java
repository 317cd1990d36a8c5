package io.conversationconnector.canonical;

import com.github.f4b6a3.ulid.UlidCreator;

/** Event ids are "evt_" + a monotonic ULID: time-ordered, unique across nodes, no '.' (Standard Webhooks). */
public final class EventIds {
    private EventIds() {
    }

    public static String next() {
        return "evt_" + UlidCreator.getMonotonicUlid().toString();
    }

    /** When the id was made (its ULID's time, to the millisecond): when the event was received or generated. */
    public static java.time.Instant createdAt(String eventId) {
        return com.github.f4b6a3.ulid.Ulid.from(eventId.substring("evt_".length())).getInstant();
    }
}
