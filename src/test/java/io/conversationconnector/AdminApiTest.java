package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin API's contract: authentication on every operation, input validation, events, and the OpenAPI document. */
class AdminApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = ConnectorHarness.ADMIN_TOKEN;
    static ConnectorHarness app;

    @BeforeAll
    static void boot() throws Exception {
        app = ConnectorHarness.shared();
    }

    /** Every operation of the document, with sample path values: method, path. */
    static List<String[]> documentedOperations() throws Exception {
        JsonNode doc = JSON.readTree(app.api("GET", "/api/openapi.json", null, null).body());
        List<String[]> ops = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            path.getValue().fieldNames().forEachRemaining(method -> ops.add(new String[] {method.toUpperCase(), path.getKey()}));
        }
        return ops;
    }

    @Test
    void everyOperationButTheDocumentRequiresTheBearerToken() throws Exception {
        for (String[] op : documentedOperations()) {
            String path = op[1].replace("{id}", "x").replace("{name}", "x").replace("{phone}", "+573001234567");
            String body = op[0].equals("POST") ? "{\"phone\":\"+573001234567\"}" : null;
            if (path.equals("/api/openapi.json")) {
                assertThat(app.api(op[0], path, null, null).statusCode()).isEqualTo(200);
                continue;
            }
            for (String token : new String[] {null, "wrong-token", TOKEN + "x"}) {
                HttpResponse<String> r = app.api(op[0], path, token, body);
                assertThat(r.statusCode()).as(op[0] + " " + path + " with " + token).isEqualTo(401);
                assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("unauthorized");
                assertThat(r.body()).doesNotContain(TOKEN);
            }
            assertThat(app.api(op[0], path, TOKEN, body).statusCode()).as(op[0] + " " + path).isNotEqualTo(401);
        }
        // "Basic" or a bare token is not a bearer token.
        assertThat(app.api("GET", "/api/opt-outs", null, null, "Authorization", TOKEN).statusCode()).isEqualTo(401);
        BadInputTest.assertNoSecretLogged();
    }

    @Test
    void theOpenApiDocumentDescribesExactlyTheRoutesThatExist() throws Exception {
        Set<String> documented = new TreeSet<>();
        for (String[] op : documentedOperations()) {
            documented.add(op[0] + " " + op[1]);
        }
        Set<String> routed = new TreeSet<>();
        for (Route route : app.context().getRoutes()) {
            Endpoint endpoint = route.getEndpoint();
            if (endpoint instanceof org.apache.camel.component.platform.http.PlatformHttpEndpoint http && http.getPath().startsWith("/api/")) {
                routed.add(http.getHttpMethodRestrict() + " " + http.getPath());
            }
        }
        assertThat(routed).isNotEmpty().isEqualTo(documented);
        JsonNode doc = JSON.readTree(app.api("GET", "/api/openapi.json", null, null).body());
        assertThat(doc.get("openapi").asText()).startsWith("3.");
    }

    @Test
    void invalidInputIs400AndUnknownIdsAre404() throws Exception {
        expect(app.api("GET", "/api/contacts/not-a-phone/window", TOKEN, null), 400, "invalid_phone");
        expect(app.api("GET", "/api/contacts/+999/window", TOKEN, null), 400, "invalid_phone");
        expect(app.api("GET", "/api/conversations?status=sleeping", TOKEN, null), 400, "invalid_status");
        expect(app.api("GET", "/api/conversations?limit=0", TOKEN, null), 400, "invalid_limit");
        expect(app.api("GET", "/api/conversations?limit=abc", TOKEN, null), 400, "invalid_limit");
        expect(app.api("GET", "/api/conversations?contact=12", TOKEN, null), 400, "invalid_phone");
        expect(app.api("GET", "/api/events?since=yesterday", TOKEN, null), 400, "invalid_since");
        expect(app.api("POST", "/api/opt-outs", TOKEN, "{\"phone\":"), 400, "malformed_json");
        expect(app.api("POST", "/api/opt-outs", TOKEN, "{\"phone\":\"555\"}"), 400, "invalid_phone");
        expect(app.api("POST", "/api/opt-outs", TOKEN, "[]"), 400, "malformed_json");
        // PostgreSQL text cannot hold a NUL: refused as bad input, not a 500 from the database.
        expect(app.api("POST", "/api/opt-outs", TOKEN, "{\"phone\":\"+573001112233\",\"note\":\"a\\u0000b\"}"), 400, "invalid_text");
        assertThat(app.api("POST", "/api/opt-outs", TOKEN, "{\"phone\":\"+573001112233\"}").statusCode()).isEqualTo(201);
        expect(app.api("DELETE", "/api/opt-outs/+573001112233?reason=a%00b", TOKEN, null), 400, "invalid_text");
        assertThat(app.api("DELETE", "/api/opt-outs/+573001112233", TOKEN, null).statusCode()).as("still on the list").isEqualTo(200);
        expect(app.api("GET", "/api/conversations/conv_nope", TOKEN, null), 404, "conversation_not_found");
        expect(app.api("GET", "/api/events/evt_nope", TOKEN, null), 404, "event_not_found");
        expect(app.api("DELETE", "/api/opt-outs/+573009999999", TOKEN, null), 404, "not_opted_out");
        // An unknown contact is a closed window, not an error.
        JsonNode unknown = JSON.readTree(app.api("GET", "/api/contacts/+573009999998/window", TOKEN, null).body());
        assertThat(unknown.get("open").asBoolean()).isFalse();
        assertThat(unknown.get("windows")).isEmpty();
    }

    @Test
    void eventsCanBeListedFilteredPagedAndReadWithTheirRawPayload() throws Exception {
        String source = "rasayel-test";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            com.fasterxml.jackson.databind.node.ObjectNode e = (com.fasterxml.jackson.databind.node.ObjectNode)
                    JSON.readTree(Webhooks.fixture("rasayel/mention.created.json"));
            e.put("id", "e7e7e7e7-0000-4000-8000-" + String.format("%012d", System.nanoTime() % 1_000_000_000_000L));
            Webhooks.Request r = Webhooks.rasayel(JSON.writeValueAsBytes(e));
            ids.add(JSON.readTree(app.post(r.path(), r.headers(), r.body()).body()).get("id").asText());
        }
        String since = JSON.readTree(app.api("GET", "/api/events/" + ids.get(0), TOKEN, null).body()).get("receivedAt").asText();
        JsonNode page1 = JSON.readTree(app.api("GET", "/api/events?source=" + source + "&type=conversation.updated&since=" + since + "&limit=2", TOKEN, null).body());
        assertThat(page1.get("count").asInt()).isEqualTo(2);
        assertThat(ids(page1)).containsExactly(ids.get(0), ids.get(1));
        JsonNode page2 = JSON.readTree(app.api("GET", "/api/events?source=" + source + "&type=conversation.updated&since=" + since
                + "&limit=2&after=" + page1.get("next").asText(), TOKEN, null).body());
        assertThat(ids(page2)).containsExactly(ids.get(2));
        assertThat(page2.get("next").isNull()).isTrue();

        JsonNode one = JSON.readTree(app.api("GET", "/api/events/" + ids.get(2), TOKEN, null).body());
        assertThat(one.get("type").asText()).isEqualTo("conversation.updated");
        assertThat(one.get("raw").get("event").asText()).isEqualTo("mention.created");
        assertThat(one.get("branch").asText()).isEqualTo("lifecycle");
        assertThat(one.get("deliveries")).isEmpty(); // no subscription in the shared test config
    }

    /** A receive time with sub-microsecond digits (the JVM clock has them) must equal what since= compares with. */
    @Test
    void anEventIsFoundSinceItsOwnReceiveTimeWhateverItsNanoseconds() throws Exception {
        // Half a microsecond: PostgreSQL and the driver round it differently; a few milliseconds back from now so
        // that the event's id (a ULID of the real time) is not older than its receive time.
        app.clock.pin(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).minusMillis(5).plusNanos(456_500));
        try {
            com.fasterxml.jackson.databind.node.ObjectNode e = (com.fasterxml.jackson.databind.node.ObjectNode)
                    JSON.readTree(Webhooks.fixture("rasayel/mention.created.json"));
            e.put("id", "e8e8e8e8-0000-4000-8000-" + String.format("%012d", System.nanoTime() % 1_000_000_000_000L));
            Webhooks.Request r = Webhooks.rasayel(JSON.writeValueAsBytes(e));
            String id = JSON.readTree(app.post(r.path(), r.headers(), r.body()).body()).get("id").asText();
            String since = JSON.readTree(app.api("GET", "/api/events/" + id, TOKEN, null).body()).get("receivedAt").asText();
            JsonNode page = JSON.readTree(app.api("GET", "/api/events?source=rasayel-test&since=" + since + "&limit=5", TOKEN, null).body());
            assertThat(ids(page)).contains(id);
        } finally {
            app.clock.release();
        }
    }

    static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("events").forEach(e -> ids.add(e.get("id").asText()));
        return ids;
    }

    static void expect(HttpResponse<String> r, int status, String error) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo(error);
    }
}
