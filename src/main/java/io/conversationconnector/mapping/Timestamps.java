package io.conversationconnector.mapping;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * The time formats providers send. An unparseable time never rejects a webhook: the caller falls back to the
 * receive time, and the raw payload keeps the original text.
 */
public final class Timestamps {
    /** Treble: "2022-01-27 21:28:34" or "2021-06-22 15:19:06.473256", no zone. */
    private static final DateTimeFormatter ZONELESS = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd[ ]['T']HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .toFormatter();

    private Timestamps() {
    }

    /** ISO-8601 with a zone or offset (Bird, Sinch, Treble's HSM event); null when absent or malformed. */
    public static Instant iso(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text.strip(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A zone-less local time in the given zone; also accepts ISO-8601 with an offset. */
    public static Instant local(String text, ZoneId zone) {
        if (text == null) {
            return null;
        }
        Instant withOffset = iso(text);
        if (withOffset != null) {
            return withOffset;
        }
        try {
            return LocalDateTime.parse(text.strip(), ZONELESS).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Unix epoch seconds (Rasayel), given as a number or a numeric string. */
    public static Instant epochSeconds(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.ofEpochSecond(Long.parseLong(text.strip()));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return null;
        }
    }

    public static Instant firstNonNull(Instant... candidates) {
        for (Instant i : candidates) {
            if (i != null) {
                return i;
            }
        }
        return null;
    }
}
