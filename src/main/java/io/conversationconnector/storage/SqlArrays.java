package io.conversationconnector.storage;

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

    static Argument int4(List<Integer> values) {
        return of(values.toArray(new Integer[0]));
    }

    private static Argument of(Object[] elements) {
        return (position, statement, ctx) -> statement.setObject(position, elements);
    }
}
