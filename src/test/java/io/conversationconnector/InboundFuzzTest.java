package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Property-based fuzzing of every inbound endpoint (jqwik) against the real connector: random bytes, random
 * JSON, and real provider payloads with random mutations, then signed correctly (so they pass authentication and
 * reach the mappers) or not; random content types, headers and sizes up to past the body limit. Properties: never
 * a 5xx; always a JSON answer; a 2xx names an event that is stored; an error stores nothing; the process stays up.
 */
class InboundFuzzTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] SECRETS = {Webhooks.SINCH_SECRET, Webhooks.BIRD_KEY, Webhooks.RASAYEL_TOKEN, "treble-test-token", "treble-api-key"};
    static final Map<String, Map<Integer, AtomicInteger>> STATUSES = new ConcurrentHashMap<>();
    static final Map<String, List<String>> FIXTURES = Map.of(
            "treble", List.of("condition.json", "conversation-closed-hubspot.json", "conversation-closed.json", "delivered.json",
                    "hsm-status.json", "opt-out.json", "read.json", "response.json", "timeout.json"),
            "bird", List.of("conversation.created.json", "conversation.deleted.json", "conversation.updated-closed.json",
                    "conversation.updated.json", "channels-unknown.json"),
            "sinch", List.of("message_inbound.json", "delivery_delivered_pricing_string.json", "delivery_failed_outside_window.json",
                    "delivery_read_pricing_object.json", "conversation_start.json", "conversation_stop.json", "opt_out_succeeded.json",
                    "contact_merge.json", "conversation_delete_object.json", "capability_unmapped.json"),
            "rasayel", List.of("message.created.json", "conversation.closed.json", "conversation.created.json", "message.updated.json",
                    "channel_user.created.json", "conversation.assigned.json", "unknown.json"));

    static ConnectorHarness app() throws Exception {
        return ConnectorHarness.shared();
    }

    @Property(tries = 1000)
    void mutatedProviderPayloadsSignedCorrectly(@ForAll("providers") String provider, @ForAll long seed) throws Exception {
        Random random = new Random(seed);
        List<String> names = FIXTURES.get(provider);
        String name = names.get(random.nextInt(names.size()));
        JsonNode payload = JSON.readTree(Webhooks.fixture(provider + "/" + name));
        int mutations = 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            payload = mutate(payload, random, 0);
        }
        byte[] body = random.nextInt(10) == 0 ? truncate(JSON.writeValueAsBytes(payload), random) : JSON.writeValueAsBytes(payload);
        Webhooks.Request request = switch (provider) {
            case "treble" -> Webhooks.treble(name.replace(".json", ""), body);
            case "bird" -> Webhooks.bird(body);
            case "sinch" -> Webhooks.sinch(body);
            default -> Webhooks.rasayel(body);
        };
        check(provider + " signed", request);
    }

    @Property(tries = 600)
    void randomRequestsOnEveryEndpoint(@ForAll("paths") String path, @ForAll("bodies") byte[] body, @ForAll("contentTypes") String contentType,
                                       @ForAll long seed) throws Exception {
        Random random = new Random(seed);
        Map<String, String> headers = new LinkedHashMap<>();
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        // Sometimes the right static credentials, sometimes signature headers with garbage, sometimes random headers.
        if (random.nextBoolean()) {
            headers.put("Authorization", Webhooks.TREBLE_TOKEN);
            headers.put("X-Api-Key", Webhooks.TREBLE_API_KEY);
        }
        if (random.nextBoolean()) {
            headers.put("x-sinch-webhook-signature-timestamp", random.nextBoolean() ? Long.toString(Webhooks.now()) : headerText(random, 20));
            headers.put("x-sinch-webhook-signature-nonce", headerText(random, 40));
            headers.put("x-sinch-webhook-signature", headerText(random, 44));
            headers.put("messagebird-request-timestamp", random.nextBoolean() ? Long.toString(Webhooks.now()) : "-1");
            headers.put("messagebird-signature", headerText(random, 44));
        }
        for (int i = random.nextInt(4); i > 0; i--) {
            headers.put("X-Fuzz-" + i, headerText(random, 200));
        }
        String source = path.split("/")[2];
        check("random " + (List.of("treble-test", "bird-test", "sinch-test", "rasayel-test").contains(source) ? source : "unknown source"),
                new Webhooks.Request(path, headers, body));
    }

    @Provide
    Arbitrary<String> providers() {
        return Arbitraries.of("treble", "bird", "sinch", "rasayel");
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-', '_', '.', '~').ofMinLength(1).ofMaxLength(40);
        return Arbitraries.oneOf(
                Arbitraries.of("/webhooks/treble-test/response", "/webhooks/treble-test/conversation-closed", "/webhooks/treble-test/read",
                        "/webhooks/bird-test", "/webhooks/sinch-test", "/webhooks/rasayel-test/" + Webhooks.RASAYEL_TOKEN),
                segment.map(s -> "/webhooks/treble-test/" + s),
                segment.map(s -> "/webhooks/rasayel-test/" + s),
                segment.map(s -> "/webhooks/" + s),
                segment.map(s -> "/webhooks/sinch-test/" + s));
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<byte[]> randomBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(4096);
        Arbitrary<byte[]> jsonish = Arbitraries.strings().withChars("{}[]\":,0123456789.-+eEtrufalsn \\u\n\tabc").ofMaxLength(2000)
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> objects = Arbitraries.longs().map(seed -> {
            try {
                return JSON.writeValueAsBytes(randomValue(new Random(seed), 0, true));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Arbitrary<byte[]> large = Arbitraries.of(1_048_000, 1_048_577, 1_500_000).map(n -> {
            byte[] b = new byte[n];
            java.util.Arrays.fill(b, (byte) 'a');
            b[0] = '{';
            return b;
        });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, randomBytes), net.jqwik.api.Tuple.of(3, jsonish), net.jqwik.api.Tuple.of(4, objects),
                net.jqwik.api.Tuple.of(1, large));
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.of("application/json", "application/json; charset=utf-8", "application/vnd.api+json", "text/plain",
                "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/JSON", ";;;", "")
                .injectNull(0.1);
    }

    /** One request: never a 5xx, a JSON answer, a 2xx names a stored event, an error stores nothing. */
    static void check(String label, Webhooks.Request request) throws Exception {
        ConnectorHarness app = app();
        long before = inboxRows(app);
        HttpResponse<String> r = app.post(request.path(), request.headers(), request.body());
        STATUSES.computeIfAbsent(label, k -> new ConcurrentHashMap<>()).computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
        assertThat(r.statusCode()).as("%s %s → %s", label, request.path(), r.body()).isBetween(200, 499);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        JsonNode answer = JSON.readTree(r.body());
        for (String secret : SECRETS) {
            assertThat(r.body()).doesNotContain(secret);
        }
        if (r.statusCode() < 300) {
            String id = answer.get("id").asText();
            int stored = app.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM inbox_event WHERE id = :id").bind("id", id)
                    .mapTo(Integer.class).one());
            assertThat(stored).as("acknowledged event %s stored", id).isEqualTo(1);
        } else {
            assertThat(answer.get("error").asText()).isNotBlank();
            assertThat(inboxRows(app)).as("an error stores nothing").isEqualTo(before);
        }
    }

    @AfterContainer
    static void processStaysUpAndReport() throws Exception {
        ConnectorHarness app = app();
        assertThat(app.get(app.mgmtPort, "/observe/health/ready").statusCode()).isEqualTo(200);
        BadInputTest.assertNoSecretLogged();
        StringBuilder report = new StringBuilder("fuzz: answers by request kind and status (never a 5xx):");
        new TreeMap<>(STATUSES).forEach((label, counts) -> report.append("\n  ").append(label).append(' ').append(new TreeMap<>(counts)));
        System.out.println(report);
        FaultReport.record("fuzzing every inbound endpoint (jqwik)", STATUSES.values().stream()
                .mapToInt(m -> m.values().stream().mapToInt(AtomicInteger::get).sum()).sum() + " requests, 0 answered 5xx, "
                + "0 half-written, process up; " + STATUSES.entrySet().stream().filter(e -> e.getKey().endsWith("signed"))
                .mapToInt(e -> e.getValue().entrySet().stream().filter(s -> s.getKey() < 300).mapToInt(s -> s.getValue().get()).sum()).sum()
                + " mutated, correctly signed payloads answered 2xx and stored");
    }

    static long inboxRows(ConnectorHarness app) {
        return app.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM inbox_event").mapTo(Long.class).one());
    }

    /** A random change somewhere in the tree: a value replaced by a random one, a field removed, or a field added. */
    static JsonNode mutate(JsonNode node, Random random, int depth) {
        if (node instanceof ObjectNode object && object.size() > 0 && depth < 6) {
            List<String> fields = new ArrayList<>();
            object.fieldNames().forEachRemaining(fields::add);
            String field = fields.get(random.nextInt(fields.size()));
            switch (random.nextInt(5)) {
                case 0 -> object.remove(field);
                case 1 -> object.set(field, randomValue(random, 0, false));
                case 2 -> object.set("fuzz_" + random.nextInt(1000), randomValue(random, 0, false));
                default -> object.set(field, mutate(object.get(field), random, depth + 1));
            }
            return object;
        }
        if (node instanceof ArrayNode array && array.size() > 0 && depth < 6) {
            int i = random.nextInt(array.size());
            array.set(i, random.nextBoolean() ? mutate(array.get(i), random, depth + 1) : randomValue(random, 0, false));
            return array;
        }
        return randomValue(random, 0, false);
    }

    static JsonNode randomValue(Random random, int depth, boolean object) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        int kind = object ? 6 : random.nextInt(depth > 2 ? 6 : 8);
        return switch (kind) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(random.nextBoolean());
            case 2 -> f.numberNode(random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(100));
            case 3 -> f.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
            case 4 -> f.textNode(randomText(random, random.nextInt(4) == 0 ? 5000 : 30));
            case 5 -> f.textNode(List.of("", "2024-02-30T25:61:00Z", "1652973169", "+57 310 555 0142", "whatsapp", "WHATSAPP", "closed",
                    "0", "-1", "null", "NaN", "💬", "\u0000").get(random.nextInt(13)));
            case 6 -> {
                ObjectNode o = f.objectNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    o.set(randomText(random, 8), randomValue(random, depth + 1, false));
                }
                yield o;
            }
            default -> {
                ArrayNode a = f.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    a.add(randomValue(random, depth + 1, false));
                }
                yield a;
            }
        };
    }

    static String randomText(Random random, int maxLength) {
        int n = random.nextInt(maxLength + 1);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int pick = random.nextInt(10);
            b.append(pick < 7 ? (char) ('a' + random.nextInt(26)) : pick < 9 ? (char) (0x20 + random.nextInt(0x5f))
                    : (char) (0xA0 + random.nextInt(0x2000)));
        }
        return b.toString();
    }

    static byte[] truncate(byte[] body, Random random) {
        return java.util.Arrays.copyOf(body, random.nextInt(Math.max(1, body.length)));
    }

    /** Printable ASCII: what an HTTP header value may hold. */
    static String headerText(Random random, int maxLength) {
        int n = 1 + random.nextInt(maxLength);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) (0x21 + random.nextInt(0x5e)));
        }
        return b.toString();
    }
}
