package io.conversationconnector.canonical;

import com.github.f4b6a3.ulid.UlidCreator;

/** Event ids are "evt_" + a monotonic ULID: time-ordered, unique across nodes, no '.' (Standard Webhooks). */
public final class EventIds {
    private EventIds() {
    }

    public static String next() {
        return "evt_" + UlidCreator.getMonotonicUlid().toString();
    }
}
