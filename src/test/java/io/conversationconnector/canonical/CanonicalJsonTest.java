package io.conversationconnector.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {
    @Test
    void aContactCarriesOnlyTheFieldsOfTheContract() throws Exception {
        Instant at = Instant.parse("2026-11-21T10:00:00Z");
        CanonicalEvent event = new CanonicalEvent("evt_1", EventTypes.CONVERSATION_CLOSED, at, at, "s", "treble", "p-1",
                new Sections.Conversation("c-1", "whatsapp", "closed", null), new Sections.Contact("+573001234567", null, "ct-1"),
                null, null, new Sections.Closure("inactivity", at), null, null, null);
        JsonNode contact = CanonicalJson.mapper().valueToTree(event).get("contact");
        assertThat(contact.fieldNames()).toIterable().containsExactly("phone", "providerContactId");
        assertThat(contact.get("phone").asText()).isEqualTo("+573001234567");
    }
}
