package io.conversationconnector.storage;

import java.util.List;

import org.jdbi.v3.core.argument.Argument;

/**
 * Lists bound as PostgreSQL array parameters (for {@code unnest(:a, :b, …)} and {@code = ANY(:a)}), straight to the
 * driver. Jdbi's {@code bindArray} builds and resolves a generic element type by reflection on every call; with a
 * dozen arrays per statement that was a fifth of the inbox writer's CPU.
 */
final class SqlArrays {
    private SqlArrays() {
    }

    static Argument text(List<String> values) {
        return of("text", values);
    }

    static Argument int8(List<Long> values) {
        return of("int8", values);
    }

    static Argument int4(List<Integer> values) {
        return of("int4", values);
    }

    private static Argument of(String elementType, List<?> values) {
        Object[] elements = values.toArray();
        return (position, statement, ctx) -> statement.setArray(position, statement.getConnection().createArrayOf(elementType, elements));
    }
}
