package io.conversationconnector.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.config.Provider;
import io.conversationconnector.config.SourceConfig;
import io.conversationconnector.mapping.bird.BirdMapper;
import io.conversationconnector.mapping.rasayel.RasayelMapper;
import io.conversationconnector.mapping.sinch.SinchMapper;
import io.conversationconnector.mapping.treble.TrebleMapper;
import io.conversationconnector.state.KeywordDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every documented event kind of every provider, mapped from a fixture, with the facts a CRM relies on. */
class MapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Instant RECEIVED = Instant.parse("2025-11-21T00:00:00Z");

    static JsonNode fixture(String path) throws Exception {
        try (InputStream in = MapperTest.class.getResourceAsStream("/fixtures/" + path)) {
            return JSON.readTree(in);
        }
    }

    static List<MappedEvent> map(String provider, String file, String kind) throws Exception {
        JsonNode body = fixture(provider + "/" + file);
        byte[] raw = JSON.writeValueAsBytes(body);
        SourceConfig source = new SourceConfig("src", Provider.fromId(provider), List.of(), null, null, null, Duration.ofMinutes(5),
                null, provider.equals("treble") ? ZoneId.of("America/Bogota") : ZoneOffset.UTC, provider.equals("treble") ? "whatsapp" : null, null, KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);
        MappingContext ctx = new MappingContext(source, kind, raw, RECEIVED);
        ProviderMapper mapper = switch (provider) {
            case "treble" -> new TrebleMapper();
            case "bird" -> new BirdMapper();
            case "sinch" -> new SinchMapper();
            default -> new RasayelMapper();
        };
        return mapper.map(body, ctx);
    }

    /** provider, fixture file, Treble kind, expected types (primary first), expected contact phone of the primary. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("treble", "conversation-closed.json", "conversation-closed", List.of("conversation.closed"), "+573105550142"),
                Arguments.of("treble", "conversation-closed-hubspot.json", "conversation-closed-hubspot", List.of("conversation.closed"), null),
                Arguments.of("treble", "opt-out.json", "opt-out", List.of("contact.opted_out"), "+573105550142"),
                Arguments.of("treble", "delivered.json", "delivered", List.of("message.delivered"), "+573105550142"),
                Arguments.of("treble", "read.json", "read", List.of("message.read"), "+573105550142"),
                Arguments.of("treble", "response.json", "response", List.of("message.inbound"), "+573105550142"),
                Arguments.of("treble", "timeout.json", "timeout", List.of("conversation.updated"), "+573105550142"),
                Arguments.of("treble", "condition.json", "condition", List.of("conversation.updated"), "+573105550142"),
                Arguments.of("treble", "hsm-status.json", "hsm-status", List.of("template.updated"), null),
                Arguments.of("bird", "conversation.created.json", null, List.of("conversation.opened", "message.inbound"), "+5511987654321"),
                Arguments.of("bird", "conversation.updated.json", null, List.of("conversation.updated", "message.inbound"), "+5511987654321"),
                Arguments.of("bird", "conversation.updated-closed.json", null, List.of("conversation.closed", "message.delivered"), "+5511987654321"),
                Arguments.of("bird", "conversation.deleted.json", null, List.of("conversation.deleted"), "+5511987654321"),
                Arguments.of("bird", "channels-unknown.json", null, List.of("unclassified"), null),
                Arguments.of("sinch", "message_inbound.json", null, List.of("message.inbound"), "+525512345678"),
                Arguments.of("sinch", "delivery_queued.json", null, List.of("message.sent"), "+525512345678"),
                Arguments.of("sinch", "delivery_delivered_pricing_string.json", null, List.of("message.delivered"), "+525512345678"),
                Arguments.of("sinch", "delivery_read_pricing_object.json", null, List.of("message.read"), "+525512345678"),
                Arguments.of("sinch", "delivery_failed_outside_window.json", null, List.of("message.failed"), "+525512345678"),
                Arguments.of("sinch", "delivery_switching_channel.json", null, List.of("message.sent"), "+525512345678"),
                Arguments.of("sinch", "conversation_start.json", null, List.of("conversation.opened"), null),
                Arguments.of("sinch", "conversation_stop.json", null, List.of("conversation.closed"), null),
                Arguments.of("sinch", "conversation_delete_object.json", null, List.of("conversation.deleted"), null),
                Arguments.of("sinch", "conversation_delete_id.json", null, List.of("conversation.deleted"), null),
                Arguments.of("sinch", "opt_out_succeeded.json", null, List.of("contact.opted_out"), "+525512345678"),
                Arguments.of("sinch", "opt_out_failed.json", null, List.of("unclassified"), "+525512345678"),
                Arguments.of("sinch", "opt_in_succeeded.json", null, List.of("contact.opted_in"), "+525512345678"),
                Arguments.of("sinch", "contact_create.json", null, List.of("contact.created"), "+525512345678"),
                Arguments.of("sinch", "contact_update.json", null, List.of("contact.updated"), "+525512345678"),
                Arguments.of("sinch", "contact_delete.json", null, List.of("contact.deleted"), "+525512345678"),
                Arguments.of("sinch", "contact_merge.json", null, List.of("contact.merged"), "+525512345678"),
                Arguments.of("sinch", "capability_unmapped.json", null, List.of("unclassified"), null),
                Arguments.of("rasayel", "conversation.created.json", null, List.of("conversation.opened"), "+971501234567"),
                Arguments.of("rasayel", "conversation.opened.json", null, List.of("conversation.opened"), "+971501234567"),
                Arguments.of("rasayel", "conversation.closed.json", null, List.of("conversation.closed"), "+971501234567"),
                Arguments.of("rasayel", "conversation.snoozed.json", null, List.of("conversation.updated"), "+971501234567"),
                Arguments.of("rasayel", "conversation.assigned.json", null, List.of("conversation.updated"), "+971501234567"),
                Arguments.of("rasayel", "conversation.tag.created.json", null, List.of("conversation.updated"), "+971501234567"),
                Arguments.of("rasayel", "conversation.tag.destroyed.json", null, List.of("conversation.updated"), "+971501234567"),
                Arguments.of("rasayel", "message.created.json", null, List.of("message.inbound"), "+971501234567"),
                Arguments.of("rasayel", "message.created-outbound.json", null, List.of("message.sent"), "+971501234567"),
                Arguments.of("rasayel", "message.updated.json", null, List.of("message.read"), "+971501234567"),
                Arguments.of("rasayel", "mention.created.json", null, List.of("conversation.updated"), "+971501234567"),
                Arguments.of("rasayel", "channel_user.created.json", null, List.of("contact.created"), "+971501234567"),
                Arguments.of("rasayel", "channel_user.tag.created.json", null, List.of("contact.updated"), "+971501234567"),
                Arguments.of("rasayel", "channel_user.tag.destroyed.json", null, List.of("contact.updated"), "+971501234567"),
                Arguments.of("rasayel", "workflow_bot.flow_started.json", null, List.of("conversation.updated"), "+971501234567"),
                Arguments.of("rasayel", "workflow_bot.flow_ended.json", null, List.of("conversation.updated"), "+971501234567"),
                Arguments.of("rasayel", "whatsapp_flow_response_state.created.json", null, List.of("conversation.updated"), "+971501234567"),
                Arguments.of("rasayel", "message_template.updated.json", null, List.of("template.updated"), null),
                Arguments.of("rasayel", "cleo_agent.finished.json", null, List.of("conversation.updated"), "+971501234567"),
                Arguments.of("rasayel", "unknown.json", null, List.of("unclassified"), null));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void mapsEveryKind(String provider, String file, String kind, List<String> types, String phone) throws Exception {
        List<MappedEvent> events = map(provider, file, kind);
        assertThat(events).extracting(MappedEvent::type).containsExactlyElementsOf(types);
        assertThat(io.conversationconnector.canonical.EventTypes.ALL).containsAll(types);
        MappedEvent primary = events.get(0);
        assertThat(primary.providerEventId()).isNotBlank();
        assertThat(primary.contact() == null ? null : primary.contact().phone()).isEqualTo(phone);
        // Deterministic: mapping the same payload again yields the same dedupe keys.
        assertThat(map(provider, file, kind)).extracting(MappedEvent::providerEventId)
                .containsExactlyElementsOf(events.stream().map(MappedEvent::providerEventId).toList());
    }

    @Test
    void trebleZonelessTimesUseTheSourceZoneAndFlowIdsReadTheSameAsIntOrString() throws Exception {
        MappedEvent closed = map("treble", "conversation-closed.json", "conversation-closed").get(0);
        // 09:40 in Bogota (UTC-5) is 14:40Z.
        assertThat(closed.occurredAt()).isEqualTo(Instant.parse("2025-11-20T14:40:00Z"));
        assertThat(closed.closure().closedAt()).isEqualTo(Instant.parse("2025-11-20T14:40:00Z"));
        // The transcript is not chronological: the latest user message wins.
        assertThat(closed.conversation().lastInboundAt()).isEqualTo(Instant.parse("2025-11-20T14:17:11Z"));
        assertThat(closed.contact().displayName()).isEqualTo("Camila Rojas");

        MappedEvent delivered = map("treble", "delivered.json", "delivered").get(0);
        MappedEvent response = map("treble", "response.json", "response").get(0);
        assertThat(delivered.providerEventId()).contains(":41207:");
        assertThat(response.providerEventId()).contains(":41207:"); // "41207" as a string in this webhook
        assertThat(delivered.occurredAt()).isEqualTo(Instant.parse("2025-11-20T14:15:04Z"));
        assertThat(response.message().text()).isEqualTo("Sí, por favor");
        assertThat(response.conversation().lastInboundAt()).isEqualTo(Instant.parse("2025-11-20T14:17:11Z"));

        MappedEvent optOut = map("treble", "opt-out.json", "opt-out").get(0);
        assertThat(optOut.optOut().reason()).isEqualTo("optout");
        assertThat(optOut.optOut().keyword()).isEqualTo("No, gracias");
        assertThat(optOut.occurredAt()).isNull(); // Treble gives no opt-out time: the receive time is used
    }

    @Test
    void birdClosedStatusIsACloseAndLastMessageKeysDedupeAcrossUpdates() throws Exception {
        List<MappedEvent> created = map("bird", "conversation.created.json", null);
        List<MappedEvent> updated = map("bird", "conversation.updated.json", null);
        // The same inbound lastMessage in two events gives the same key, so it is stored once.
        assertThat(created.get(1).providerEventId()).isEqualTo(updated.get(1).providerEventId()).isEqualTo("message:b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e");
        assertThat(created.get(0).providerEventId()).isNotEqualTo(updated.get(0).providerEventId());
        List<MappedEvent> closed = map("bird", "conversation.updated-closed.json", null);
        assertThat(closed.get(0).closure().closedAt()).isEqualTo(Instant.parse("2025-11-20T11:20:05Z"));
        assertThat(closed.get(0).conversation().status()).isEqualTo("closed");
        assertThat(closed.get(1).message().direction()).isEqualTo("outbound");
        assertThat(created.get(0).contact().displayName()).isEqualTo("Mateo Silva");
    }

    @Test
    void sinchContactIdentityWithoutAChannelIsSkipped() throws Exception {
        // Found by InboundFuzzTest: a channel identity without "channel" made the mapper throw (a 500).
        JsonNode body = fixture("sinch/contact_create.json");
        com.fasterxml.jackson.databind.node.ArrayNode identities = (com.fasterxml.jackson.databind.node.ArrayNode)
                body.path("contact_create_notification").path("contact").path("channel_identities");
        ((com.fasterxml.jackson.databind.node.ObjectNode) identities.get(0)).remove("channel");
        identities.addObject().put("channel", "SMS").put("identity", "525587654321");
        SourceConfig source = new SourceConfig("src", Provider.SINCH, List.of(), null, null, null, Duration.ofMinutes(5),
                null, ZoneOffset.UTC, null, null, KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);
        List<MappedEvent> mapped = new SinchMapper().map(body, new MappingContext(source, null, JSON.writeValueAsBytes(body), RECEIVED));
        assertThat(mapped).extracting(MappedEvent::type).containsExactly("contact.created");
        assertThat(mapped.get(0).contact().phone()).isEqualTo("+525587654321");
    }

    @Test
    void sinchMetadataAsStringOrObjectAndWindowSignals() throws Exception {
        MappedEvent string = map("sinch", "delivery_delivered_pricing_string.json", null).get(0);
        assertThat(string.window().pricingCategory()).isEqualTo("service");
        assertThat(string.window().kind()).isEqualTo("customer_service");
        assertThat(string.window().providerConversationId()).isEqualTo("4f0c2a9e8d7b6a5c4d3e2f1a0b9c8d7e");
        MappedEvent object = map("sinch", "delivery_read_pricing_object.json", null).get(0);
        assertThat(object.window().kind()).isEqualTo("free_entry_point");
        MappedEvent failed = map("sinch", "delivery_failed_outside_window.json", null).get(0);
        assertThat(failed.window().open()).isFalse();
        assertThat(failed.message().error()).startsWith("OUTSIDE_ALLOWED_SENDING_WINDOW");
        MappedEvent inbound = map("sinch", "message_inbound.json", null).get(0);
        assertThat(inbound.providerEventId()).isEqualTo("message:01JD0MSGIN00000000000000001");
        assertThat(inbound.message().text()).isEqualTo("Hola, ¿siguen abiertos?");
        assertThat(inbound.conversation().channel()).isEqualTo("whatsapp");
        assertThat(map("sinch", "conversation_delete_id.json", null).get(0).conversation().id()).isEqualTo("01JD0CONV0000000000000000002");
        // Different delivery statuses of one message are different events.
        assertThat(map("sinch", "delivery_queued.json", null).get(0).providerEventId())
                .isNotEqualTo(string.providerEventId());
    }

    @Test
    void rasayelEventTimeKeysWindowsAndStatusPrecedence() throws Exception {
        MappedEvent closed = map("rasayel", "conversation.closed.json", null).get(0);
        assertThat(closed.occurredAt()).isEqualTo(Instant.ofEpochSecond(1763647001)); // envelope closed_at
        assertThat(closed.closure().closedAt()).isEqualTo(Instant.ofEpochSecond(1763647000)); // data.closedAt
        assertThat(closed.window().expiresAt()).isEqualTo(Instant.ofEpochSecond(1763730000));
        assertThat(closed.conversation().channel()).isEqualTo("whatsapp");
        assertThat(closed.providerEventId()).isEqualTo("conversation.closed:a0000000-0000-4000-8000-000000000003");
        assertThat(map("rasayel", "conversation.assigned.json", null).get(0).occurredAt()).isEqualTo(Instant.ofEpochSecond(1763643800));
        MappedEvent read = map("rasayel", "message.updated.json", null).get(0);
        assertThat(read.occurredAt()).isEqualTo(Instant.ofEpochSecond(1763643990));
        assertThat(read.message().status()).isEqualTo("read");
        MappedEvent inbound = map("rasayel", "message.created.json", null).get(0);
        assertThat(inbound.conversation().lastInboundAt()).isEqualTo(Instant.ofEpochSecond(1763643600));
        assertThat(inbound.message().text()).isEqualTo("Hello, is my order shipped?");
    }

    @Test
    void missingIdsFallBackToABodyHashSoDifferentPayloadsNeverCollide() {
        SourceConfig source = new SourceConfig("s", Provider.SINCH, List.of(), null, null, "x", null, null, ZoneOffset.UTC, null, null, KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);
        MappingContext a = new MappingContext(source, null, "{\"a\":1}".getBytes(), RECEIVED);
        MappingContext b = new MappingContext(source, null, "{\"a\":2}".getBytes(), RECEIVED);
        assertThat(a.key("p", "x", null)).startsWith("p:sha256:").isNotEqualTo(b.key("p", "x", null));
        assertThat(a.key("p", "x", "y")).isEqualTo("p:x:y");
    }

    /**
     * Unclassified payloads have no id of their own: two different ones must not share a key (the second would be
     * taken for a redelivery of the first and dropped), while a redelivery of the same bytes still must.
     */
    @Test
    void unclassifiedPayloadsWithoutAnIdGetAKeyPerBody() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String provider : List.of("bird", "sinch")) {
            JsonNode first = json.readTree(provider.equals("bird")
                    ? "{\"service\":\"channels\",\"event\":\"whatsapp.inbound\",\"payload\":{\"id\":\"x-1\"}}"
                    : "{\"app_id\":\"a\",\"capability_notification\":{\"contact_id\":\"c-1\"}}");
            JsonNode second = json.readTree(json.writeValueAsString(first).replace("1", "2"));
            String a = keyOf(provider, first);
            assertThat(a).isNotEqualTo(keyOf(provider, second)).isEqualTo(keyOf(provider, first));
        }
    }

    /** A provider's key can never equal one the connector generates (a sweep's event would then not be stored). */
    @Test
    void aProviderKeyNeverLooksGenerated() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode crafted = json.readTree("{\"event\":\"connector:inactivity\",\"id\":\"conv-1:1795309272363\"}");
        SourceConfig source = new SourceConfig("src", Provider.fromId("rasayel"), List.of(), null, null, null, Duration.ofMinutes(5),
                null, ZoneOffset.UTC, null, null, KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);
        String key = new RasayelMapper().map(crafted, new MappingContext(source, null, JSON.writeValueAsBytes(crafted), RECEIVED))
                .get(0).providerEventId();
        assertThat(key).isEqualTo("provider:connector:inactivity:conv-1:1795309272363")
                .doesNotStartWith(io.conversationconnector.canonical.EventIds.GENERATED_KEY_PREFIX);
    }

    private static String keyOf(String provider, JsonNode body) throws Exception {
        SourceConfig source = new SourceConfig("src", Provider.fromId(provider), List.of(), null, null, null, Duration.ofMinutes(5),
                null, ZoneOffset.UTC, null, null, KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);
        MappingContext ctx = new MappingContext(source, null, JSON.writeValueAsBytes(body), RECEIVED);
        ProviderMapper mapper = provider.equals("bird") ? new BirdMapper() : new SinchMapper();
        List<MappedEvent> events = mapper.map(body, ctx);
        assertThat(events).extracting(MappedEvent::type).containsExactly("unclassified");
        return events.get(0).providerEventId();
    }
}
