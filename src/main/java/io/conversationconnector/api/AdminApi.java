package io.conversationconnector.api;

import java.io.IOException;
import java.io.StringWriter;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.canonical.Phones;
import io.conversationconnector.ingest.HttpResponses;
import io.conversationconnector.ingest.WebhookRejected;
import io.conversationconnector.state.WindowRules;
import io.conversationconnector.storage.Database;
import io.conversationconnector.storage.OptOutStore;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.jdbi.v3.core.Jdbi;

/**
 * The admin API (design.md): conversations, WhatsApp windows, opt-outs and events. Each method reads its inputs
 * from the exchange, validates them (400 with a clear message), and writes a JSON (or CSV) response.
 */
public final class AdminApi {
    private static final Set<String> STATUSES = Set.of("open", "closed", "deleted");

    private final Jdbi jdbi;
    private final OptOutStore optOuts;
    private final Clock clock;
    private final ObjectMapper json;

    public AdminApi(Jdbi jdbi, OptOutStore optOuts, Clock clock, ObjectMapper json) {
        this.jdbi = jdbi;
        this.optOuts = optOuts;
        this.clock = clock;
        this.json = json;
    }

    // ---- conversations ----

    private static final String CONVERSATION_COLUMNS = """
            id, source, provider_conversation_id, channel, contact_phone, provider_contact_id, status, opened_at,
            last_activity_at, last_inbound_at, closed_at, closure_reason, updated_at""";

    public void conversation(Exchange exchange) throws IOException {
        String id = header(exchange, "id");
        Map<String, Object> conversation = jdbi.withHandle(h -> h.createQuery("SELECT " + CONVERSATION_COLUMNS + " FROM conversation WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> conversationJson(rs)).findOne())
                .orElseThrow(() -> WebhookRejected.notFound("conversation_not_found", "no conversation with id '" + clip(id) + "'"));
        List<Map<String, Object>> history = jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, type, occurred_at, received_at FROM inbox_event
                        WHERE source = :source AND conversation_id = :providerId ORDER BY occurred_at, id""")
                .bind("source", (String) conversation.get("source"))
                .bind("providerId", (String) conversation.get("providerConversationId"))
                .map((rs, ctx) -> {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("id", rs.getString("id"));
                    e.put("type", rs.getString("type"));
                    e.put("occurredAt", instant(rs, "occurred_at"));
                    e.put("receivedAt", instant(rs, "received_at"));
                    return e;
                }).list());
        conversation.put("events", history);
        respond(exchange, 200, conversation);
    }

    public void conversations(Exchange exchange) throws IOException {
        String status = header(exchange, "status");
        if (status != null && !STATUSES.contains(status)) {
            throw WebhookRejected.badRequest("invalid_status", "status must be one of open, closed, deleted");
        }
        String contact = header(exchange, "contact") == null ? null : phone(header(exchange, "contact"));
        int limit = limit(exchange);
        List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery("SELECT " + CONVERSATION_COLUMNS + """
                         FROM conversation
                        WHERE (CAST(:status AS text) IS NULL OR status = :status)
                          AND (CAST(:source AS text) IS NULL OR source = :source)
                          AND (CAST(:contact AS text) IS NULL OR contact_phone = :contact)
                          AND (CAST(:providerId AS text) IS NULL OR provider_conversation_id = :providerId)
                        ORDER BY updated_at DESC, id LIMIT :limit""")
                .bind("status", status).bind("source", header(exchange, "source")).bind("contact", contact)
                .bind("providerId", header(exchange, "providerConversationId")).bind("limit", limit)
                .map((rs, ctx) -> conversationJson(rs)).list());
        respond(exchange, 200, Map.of("conversations", rows, "count", rows.size()));
    }

    private static Map<String, Object> conversationJson(ResultSet rs) throws SQLException {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", rs.getString("id"));
        c.put("source", rs.getString("source"));
        c.put("providerConversationId", rs.getString("provider_conversation_id"));
        c.put("channel", rs.getString("channel"));
        Map<String, Object> contact = new LinkedHashMap<>();
        contact.put("phone", rs.getString("contact_phone"));
        contact.put("providerContactId", rs.getString("provider_contact_id"));
        c.put("contact", contact);
        c.put("status", rs.getString("status"));
        c.put("openedAt", instant(rs, "opened_at"));
        c.put("lastActivityAt", instant(rs, "last_activity_at"));
        c.put("lastInboundAt", instant(rs, "last_inbound_at"));
        c.put("closedAt", instant(rs, "closed_at"));
        c.put("closureReason", rs.getString("closure_reason"));
        c.put("updatedAt", instant(rs, "updated_at"));
        return c;
    }

    // ---- windows ----

    /** Is the WhatsApp window with this contact open, since when, until when, and did they opt out anywhere? */
    public void window(Exchange exchange) throws IOException {
        String phone = phone(header(exchange, "phone"));
        Instant now = clock.instant();
        List<WindowRules.View> views = jdbi.withHandle(h -> h.createQuery("""
                        SELECT source, last_inbound_at, provider_expires_at, closed_reported_at, fep_started_at, fep_expires_at,
                               pricing_category FROM contact_window WHERE contact_phone = :phone""")
                .bind("phone", phone)
                .map((rs, ctx) -> WindowRules.evaluate(new WindowRules.Facts(rs.getString("source"),
                        Database.instant(rs, "last_inbound_at"), Database.instant(rs, "provider_expires_at"),
                        Database.instant(rs, "closed_reported_at"), Database.instant(rs, "fep_started_at"),
                        Database.instant(rs, "fep_expires_at"), rs.getString("pricing_category")), now))
                .list());
        // The most useful answer first: an open window with the latest end, else the most recent inbound message.
        Comparator<WindowRules.View> best = Comparator.comparing(WindowRules.View::open)
                .thenComparing(v -> v.open() ? v.expiresAt() : v.lastInboundAt(), Comparator.nullsFirst(Comparator.naturalOrder()));
        List<WindowRules.View> ordered = new ArrayList<>(views);
        ordered.sort(best.reversed());
        Optional<WindowRules.View> top = ordered.stream().findFirst();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("phone", phone);
        body.put("open", top.map(WindowRules.View::open).orElse(false));
        body.put("kind", "customer_service");
        body.put("expiresAt", top.map(WindowRules.View::expiresAt).map(Instant::toString).orElse(null));
        body.put("secondsLeft", top.map(WindowRules.View::secondsLeft).orElse(0L));
        body.put("lastInboundAt", top.map(WindowRules.View::lastInboundAt).map(Instant::toString).orElse(null));
        body.put("pricingCategory", top.map(WindowRules.View::pricingCategory).orElse(null));
        body.put("source", top.map(WindowRules.View::source).orElse(null));
        body.put("freeEntryPoint", ordered.stream().map(WindowRules.View::freeEntryPoint).filter(f -> f != null)
                .max(Comparator.comparing(WindowRules.FreeEntryPoint::expiresAt)).map(AdminApi::fepJson).orElse(null));
        body.put("optedOut", optOuts.isOptedOut(phone));
        body.put("windows", ordered.stream().map(AdminApi::viewJson).toList());
        respond(exchange, 200, body);
    }

    private static Map<String, Object> viewJson(WindowRules.View v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", v.source());
        m.put("open", v.open());
        m.put("expiresAt", v.expiresAt() == null ? null : v.expiresAt().toString());
        m.put("secondsLeft", v.secondsLeft());
        m.put("lastInboundAt", v.lastInboundAt() == null ? null : v.lastInboundAt().toString());
        m.put("closedByProvider", v.closedByProvider());
        m.put("pricingCategory", v.pricingCategory());
        m.put("freeEntryPoint", v.freeEntryPoint() == null ? null : fepJson(v.freeEntryPoint()));
        return m;
    }

    private static Map<String, Object> fepJson(WindowRules.FreeEntryPoint f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("open", f.open());
        m.put("startedAt", f.startedAt() == null ? null : f.startedAt().toString());
        m.put("expiresAt", f.expiresAt().toString());
        m.put("secondsLeft", f.secondsLeft());
        return m;
    }

    // ---- opt-outs ----

    public void listOptOuts(Exchange exchange) throws IOException {
        List<OptOutStore.Entry> entries = optOuts.active();
        String accept = exchange.getMessage().getHeader("Accept", String.class);
        if (accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("text/csv")) {
            StringWriter out = new StringWriter();
            try (CSVPrinter csv = new CSVPrinter(out, CSVFormat.DEFAULT.builder()
                    .setHeader("phone", "opted_out_at", "reason", "keyword", "source", "actor", "note").get())) {
                for (OptOutStore.Entry e : entries) {
                    csv.printRecord(e.phone(), e.changedAt(), e.reason(), e.keyword(), e.source(), e.actor(), e.note());
                }
            }
            Message m = HttpResponses.start(exchange, 200, "text/csv; charset=utf-8");
            m.setHeader("Content-Disposition", "attachment; filename=\"opt-outs.csv\"");
            m.setBody(out.toString());
            return;
        }
        respond(exchange, 200, Map.of("optOuts", entries.stream().map(AdminApi::entryJson).toList(), "count", entries.size()));
    }

    public void addOptOut(Exchange exchange) throws IOException {
        JsonNode body = jsonBody(exchange);
        String phone = phone(text(body, "phone"));
        boolean wasOptedOut = optOuts.isOptedOut(phone);
        OptOutStore.Entry entry = optOuts.operatorChange(phone, true, operator(text(body, "by")), text(body, "reason"), text(body, "note"));
        respond(exchange, wasOptedOut ? 200 : 201, entryJson(entry));
    }

    public void removeOptOut(Exchange exchange) throws IOException {
        String phone = phone(header(exchange, "phone"));
        if (!optOuts.isOptedOut(phone)) {
            throw WebhookRejected.notFound("not_opted_out", phone + " is not on the opt-out list");
        }
        OptOutStore.Entry entry = optOuts.operatorChange(phone, false, operator(header(exchange, "by")),
                header(exchange, "reason"), null);
        respond(exchange, 200, entryJson(entry));
    }

    private static Map<String, Object> entryJson(OptOutStore.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phone", e.phone());
        m.put("optedOut", e.optedOut());
        m.put("changedAt", e.changedAt().toString());
        m.put("reason", e.reason());
        m.put("keyword", e.keyword());
        m.put("source", e.source());
        m.put("actor", e.actor());
        m.put("note", e.note());
        return m;
    }

    private static String operator(String by) {
        return "operator:" + (by == null || by.isBlank() ? "admin" : clip(by.strip()));
    }

    // ---- events ----

    public void events(Exchange exchange) throws IOException {
        Instant since = AdminApiSupport.time(header(exchange, "since"), "since");
        int limit = limit(exchange);
        Instant sinceValue = since;
        List<JsonNode> events = jdbi.withHandle(h -> h.createQuery("""
                        SELECT canonical::text AS canonical FROM inbox_event
                        WHERE (CAST(:type AS text) IS NULL OR type = :type)
                          AND (CAST(:source AS text) IS NULL OR source = :source)
                          AND (CAST(:sinceId AS text) IS NULL OR id >= :sinceId)
                          AND (CAST(:since AS timestamptz) IS NULL OR received_at >= CAST(:since AS timestamptz))
                          AND (CAST(:after AS text) IS NULL OR id > :after)
                        ORDER BY id LIMIT :limit""")
                .bind("type", header(exchange, "type")).bind("source", header(exchange, "source"))
                .bind("since", sinceValue)
                // ids are "evt_" + ULID, whose first 10 characters are the time: the primary key finds the range
                .bind("sinceId", sinceValue == null ? (String) null : "evt_" + com.github.f4b6a3.ulid.Ulid.min(sinceValue.toEpochMilli()))
                .bind("after", header(exchange, "after"))
                .bind("limit", limit)
                .map((rs, ctx) -> readTree(rs.getString("canonical"))).list());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", events);
        body.put("count", events.size());
        // Ids are time-ordered ULIDs: pass "after" to get the next page.
        body.put("next", events.size() == limit ? events.get(events.size() - 1).get("id").asText() : null);
        respond(exchange, 200, body);
    }

    public void event(Exchange exchange) throws IOException {
        String id = header(exchange, "id");
        Map<String, Object> event = jdbi.withHandle(h -> h.createQuery("""
                        SELECT canonical::text AS canonical, raw_body, branch, request_headers::text AS headers
                        FROM inbox_event WHERE id = :id""")
                .bind("id", id).map((rs, ctx) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    readTree(rs.getString("canonical")).fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue()));
                    m.put("raw", readTree(rs.getString("raw_body")));
                    m.put("branch", rs.getString("branch"));
                    m.put("requestHeaders", readTree(rs.getString("headers")));
                    return m;
                }).findOne())
                .orElseThrow(() -> WebhookRejected.notFound("event_not_found", "no event with id '" + clip(id) + "'"));
        event.put("deliveries", deliveries(id));
        respond(exchange, 200, event);
    }

    /** POST /api/sweeps/{name}/run with a name that is not a sweep. */
    public void unknownSweep(Exchange exchange) {
        throw WebhookRejected.notFound("unknown_sweep", "sweeps are inactivity, windows and retention");
    }

    /** The JSON text a route step left in the body, answered 200 (a sweep's summary). */
    public void answerJson(Exchange exchange) {
        io.conversationconnector.ingest.HttpResponses.json(exchange, 200, exchange.getMessage().getBody(String.class));
    }

    /** The OpenAPI 3 description of this API (src/main/resources/openapi.json). */
    public void openApi(Exchange exchange) throws IOException {
        if (openApiDocument == null) {
            try (var in = AdminApi.class.getResourceAsStream("/openapi.json")) {
                openApiDocument = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        HttpResponses.json(exchange, 200, openApiDocument);
    }

    private volatile String openApiDocument;

    /** The event's outbox entries, one per subscription, each with its attempts. */
    private List<Map<String, Object>> deliveries(String eventId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, subscription_id, state, attempts, next_attempt_at, finished_at, last_status, last_error
                        FROM outbox WHERE event_id = :id ORDER BY subscription_id""")
                .bind("id", eventId).map((rs, ctx) -> {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("subscription", rs.getString("subscription_id"));
                    d.put("state", rs.getString("state"));
                    d.put("attempts", rs.getInt("attempts"));
                    d.put("nextAttemptAt", "retrying".equals(rs.getString("state")) || "pending".equals(rs.getString("state"))
                            ? instant(rs, "next_attempt_at") : null);
                    d.put("finishedAt", instant(rs, "finished_at"));
                    d.put("lastStatus", rs.getObject("last_status"));
                    d.put("lastError", rs.getString("last_error"));
                    d.put("attemptLog", h.createQuery("""
                                    SELECT attempt, started_at, status_code, latency_ms, outcome, error FROM delivery_attempt
                                    WHERE outbox_id = :o ORDER BY attempt""")
                            .bind("o", rs.getLong("id")).map((a, c) -> {
                                Map<String, Object> at = new LinkedHashMap<>();
                                at.put("attempt", a.getInt("attempt"));
                                at.put("startedAt", instant(a, "started_at"));
                                at.put("statusCode", a.getObject("status_code"));
                                at.put("latencyMs", a.getInt("latency_ms"));
                                at.put("outcome", a.getString("outcome"));
                                at.put("error", a.getString("error"));
                                return at;
                            }).list());
                    return d;
                }).list());
    }

    // ---- helpers ----

    private JsonNode readTree(String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            return json.getNodeFactory().textNode(text);
        }
    }

    private JsonNode jsonBody(Exchange exchange) {
        return AdminApiSupport.jsonBody(exchange, json);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static String phone(String raw) {
        String decoded = raw == null ? null : java.net.URLDecoder.decode(raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        String e164 = Phones.toE164(decoded);
        if (e164 == null) {
            throw WebhookRejected.badRequest("invalid_phone", "'" + clip(decoded == null ? "" : decoded)
                    + "' is not a phone number; use E.164, e.g. +573001234567");
        }
        return e164;
    }

    private static int limit(Exchange exchange) {
        return AdminApiSupport.limit(header(exchange, "limit"));
    }

    private static String header(Exchange exchange, String name) {
        return AdminApiSupport.header(exchange, name);
    }

    private static String instant(ResultSet rs, String column) throws SQLException {
        return AdminApiSupport.instant(rs, column);
    }

    private static String clip(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "…";
    }

    private void respond(Exchange exchange, int status, Object body) throws IOException {
        AdminApiSupport.respond(exchange, status, body, json);
    }
}
