package io.conversationconnector.canonical;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one JSON configuration of the connector: ISO-8601 instants, and no NUL characters in strings. */
public final class CanonicalJson {
    private CanonicalJson() {
    }

    public static ObjectMapper mapper() {
        SimpleModule nulSafe = new SimpleModule("nul-safe-strings");
        nulSafe.addSerializer(String.class, new NulSafeStringSerializer());
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .registerModule(nulSafe)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    /**
     * PostgreSQL jsonb rejects the \u0000 escape, so a provider text containing it would make an event
     * unstorable (a 503 forever). It becomes U+FFFD in the canonical event; the raw payload keeps the original.
     */
    private static final class NulSafeStringSerializer extends StdSerializer<String> {
        NulSafeStringSerializer() {
            super(String.class);
        }

        @Override
        public void serialize(String value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.indexOf('\u0000') < 0 ? value : value.replace('\u0000', '\uFFFD'));
        }
    }
}
