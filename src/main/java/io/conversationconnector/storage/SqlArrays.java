package io.conversationconnector.storage;

import java.time.Instant;
import java.util.List;

import org.jdbi.v3.core.argument.Argument;

/**
 * Lists bound as PostgreSQL array parameters (for {@code unnest(:a, :b, …)} and {@code = ANY(:a)}), straight to the
 * driver. Jdbi's {@code bindArray} builds and resolves a generic element type by reflection on every call; with a
 * dozen arrays per statement that was a fifth of the inbox writer's CPU. A Java array given to {@code setObject} goes
 * in PostgreSQL's binary array format (text as varchar[]): {@code createArrayOf} would write the text form instead,
 * quoting and escaping every character of every element (a quarter of a sweep's CPU, JSON columns being long).
 */
final class SqlArrays {
    private SqlArrays() {
    }

    static Argument text(List<String> values) {
        return of(values.toArray(new String[0]));
    }

    static Argument int8(List<Long> values) {
        return of(values.toArray(new Long[0]));
    }

    /** Instants as microseconds since the epoch (SQL: {@code micros_to_timestamptz(x)}, migration V12); null stays null. */
    static Argument micros(List<Instant> values) {
        Long[] elements = new Long[values.size()];
        for (int i = 0; i < elements.length; i++) {
            elements[i] = micros(values.get(i));
        }
        return of(elements);
    }

    /**
     * Rounded to the microsecond as PostgreSQL rounds a fraction it parses. Beyond a long's range it saturates, so the
     * database refuses the value as out of range (SQLSTATE 22008, a 400 for a webhook) instead of it wrapping round.
     */
    static Long micros(Instant instant) {
        if (instant == null) {
            return null;
        }
        try {
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), (long) Math.rint(instant.getNano() / 1000.0));
        } catch (ArithmeticException e) {
            return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static Argument int4(List<Integer> values) {
        return of(values.toArray(new Integer[0]));
    }

    private static Argument of(Object[] elements) {
        return (position, statement, ctx) -> statement.setObject(position, elements);
    }
}
