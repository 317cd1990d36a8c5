package io.conversationconnector.delivery;

import com.dashjoin.jsonata.Jsonata;

/**
 * A JSONata template (config/mappings/*.jsonata) that turns the canonical event into a CRM's request body.
 * Compiled once at start-up to catch syntax errors; one compiled copy per thread, because the library does not
 * promise that one expression object may be evaluated concurrently.
 */
public final class MappingTemplate {
    private final String name;
    private final String expression;
    private final ThreadLocal<Jsonata> compiled;

    /** @throws IllegalArgumentException with the library's message when the template does not compile */
    public MappingTemplate(String name, String expression) {
        this.name = name;
        this.expression = expression;
        try {
            Jsonata.jsonata(expression);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        this.compiled = ThreadLocal.withInitial(() -> Jsonata.jsonata(expression));
    }

    public String name() {
        return name;
    }

    /** @param event the canonical event as plain maps and lists; @return the body as maps, lists and values */
    public Object apply(Object event) {
        Object result;
        try {
            result = compiled.get().evaluate(event);
        } catch (RuntimeException e) {
            throw new MappingFailed(name + ": " + e.getMessage(), e);
        }
        if (result == null) {
            throw new MappingFailed(name + " produced no value for this event", null);
        }
        return result;
    }

    /** A template failed for one event: that delivery becomes a dead letter, nothing else is affected. */
    public static final class MappingFailed extends RuntimeException {
        public MappingFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public String toString() {
        return "MappingTemplate[" + name + ", " + expression.length() + " chars]";
    }
}
