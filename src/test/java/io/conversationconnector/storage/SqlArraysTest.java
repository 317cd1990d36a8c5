package io.conversationconnector.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class SqlArraysTest {
    @Test
    void instantsBecomeEpochMicrosRoundedAsPostgresRoundsText() {
        assertEquals(1_795_271_742_271_983L, SqlArrays.micros(Instant.parse("2026-11-21T14:35:42.271982726Z")));
        assertEquals(1_795_271_742_271_982L, SqlArrays.micros(Instant.parse("2026-11-21T14:35:42.271982Z")));
        assertEquals(-1L, SqlArrays.micros(Instant.parse("1969-12-31T23:59:59.999999Z")));
        assertEquals(0L, SqlArrays.micros(Instant.EPOCH));
        assertNull(SqlArrays.micros((Instant) null));
    }

    @Test
    void instantsBeyondALongSaturateSoTheDatabaseRefusesThem() {
        assertEquals(Long.MAX_VALUE, SqlArrays.micros(Instant.MAX));
        assertEquals(Long.MIN_VALUE, SqlArrays.micros(Instant.MIN));
    }
}
