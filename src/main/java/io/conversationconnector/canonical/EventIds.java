package io.conversationconnector.canonical;

import com.github.f4b6a3.ulid.UlidCreator;

/** Event ids are "evt_" + a monotonic ULID: time-ordered, unique across nodes, no '.' (Standard Webhooks). */
public final class EventIds {
    private EventIds() {
    }

    /**
     * The providerEventId of every event the connector makes itself (sweeps) starts with this; a provider's never
     * does (MappingContext.key moves such a key aside), so a webhook cannot take a generated event's place.
     */
    public static final String GENERATED_KEY_PREFIX = "connector:";

    public static String next() {
        return "evt_" + UlidCreator.getMonotonicUlid().toString();
    }

    /** When the id was made (its ULID's time, to the millisecond): when the event was received or generated. */
    public static java.time.Instant createdAt(String eventId) {
        return com.github.f4b6a3.ulid.Ulid.from(eventId.substring("evt_".length())).getInstant();
    }
}
