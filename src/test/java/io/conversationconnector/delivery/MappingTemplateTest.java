package io.conversationconnector.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The two example templates in config/mappings, applied to canonical events. */
class MappingTemplateTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static final String CLOSED = """
            {"id":"evt_1","type":"conversation.closed","occurredAt":"2025-11-20T14:30:00Z","receivedAt":"2025-11-20T14:30:01Z",
             "source":"treble-main","provider":"treble","providerEventId":"k",
             "conversation":{"id":"s-9","channel":"whatsapp","status":"closed","lastInboundAt":"2025-11-20T14:17:11Z"},
             "contact":{"phone":"+573105550142","displayName":"Camila Rojas"},
             "closure":{"reason":"provider_closed","closedAt":"2025-11-20T14:30:00Z"}}""";
    static final String OPT_OUT_NO_NAME = """
            {"id":"evt_2","type":"contact.opted_out","occurredAt":"2025-11-20T15:00:00Z","receivedAt":"2025-11-20T15:00:00Z",
             "source":"sinch-app","provider":"sinch","providerEventId":"k2",
             "conversation":{"id":"c-1","channel":"whatsapp","status":"open"},
             "contact":{"phone":"+525512345678"},"optOut":{"reason":"keyword","keyword":"STOP"},
             "message":{"text":"Stop"}}""";

    static MappingTemplate template(String name) throws Exception {
        return new MappingTemplate(name, Files.readString(Path.of("config", "mappings", name)));
    }

    static JsonNode apply(MappingTemplate t, String event) throws Exception {
        return JSON.valueToTree(t.apply(JSON.readValue(event, Object.class)));
    }

    @Test
    void contactDealTemplate() throws Exception {
        JsonNode closed = apply(template("crm-contact-deal.jsonata"), CLOSED);
        assertThat(closed.get("idempotencyKey").asText()).isEqualTo("evt_1");
        assertThat(closed.get("contact").get("phone").asText()).isEqualTo("+573105550142");
        assertThat(closed.get("contact").get("properties").get("whatsapp_conversation_status").asText()).isEqualTo("closed");
        assertThat(closed.get("contact").get("properties").has("opted_out")).isFalse();
        assertThat(closed.get("deal").get("externalId").asText()).isEqualTo("treble:s-9");
        assertThat(closed.get("deal").get("stage").asText()).isEqualTo("closed_conversation");
        assertThat(closed.get("note").asText())
                .isEqualTo("Camila Rojas: conversation.closed (treble, treble-main) | closed at 2025-11-20T14:30:00Z (provider_closed)");
        JsonNode optOut = apply(template("crm-contact-deal.jsonata"), OPT_OUT_NO_NAME);
        assertThat(optOut.get("contact").get("properties").get("opted_out").asBoolean()).isTrue();
        assertThat(optOut.get("note").asText()).isEqualTo("+525512345678: contact.opted_out (sinch, sinch-app) | message: Stop");
    }

    @Test
    void ticketTemplate() throws Exception {
        JsonNode t = apply(template("crm-ticket.jsonata"), CLOSED).get("ticket");
        assertThat(t.get("external_id").asText()).isEqualTo("treble-main/s-9");
        assertThat(t.get("subject").asText()).isEqualTo("WhatsApp conversation closed - Camila Rojas");
        assertThat(t.get("status").asText()).isEqualTo("solved");
        assertThat(t.get("tags").toString()).isEqualTo("[\"treble\",\"treble-main\",\"conversation_closed\"]");
        assertThat(t.get("comment").get("body").asText())
                .isEqualTo("Event conversation.closed at 2025-11-20T14:30:00Z\nClosed (provider_closed) at 2025-11-20T14:30:00Z");
        assertThatThrownBy(() -> apply(template("crm-ticket.jsonata"), CLOSED.replace("\"phone\":\"+573105550142\",", "")))
                .isInstanceOf(MappingTemplate.MappingFailed.class).hasMessageContaining("no contact phone");
    }

    @Test
    void aTemplateThatDoesNotCompileIsRefused() {
        assertThatThrownBy(() -> new MappingTemplate("bad.jsonata", "{ \"a\": ")).isInstanceOf(IllegalArgumentException.class);
    }
}
