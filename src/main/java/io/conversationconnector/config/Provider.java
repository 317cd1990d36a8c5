package io.conversationconnector.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

public enum Provider {
    TREBLE, BIRD, SINCH, RASAYEL;

    /** The lower-case name used in config, URLs and the canonical event. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Provider fromId(String id) {
        for (Provider p : values()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        return null;
    }

    public static String allIds() {
        return Arrays.stream(values()).map(Provider::id).collect(Collectors.joining(", "));
    }
}
