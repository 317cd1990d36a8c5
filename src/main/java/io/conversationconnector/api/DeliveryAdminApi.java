package io.conversationconnector.api;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.config.Subscription;
import io.conversationconnector.ingest.WebhookRejected;
import io.conversationconnector.storage.DeliveryStore;
import org.apache.camel.Exchange;
import org.jdbi.v3.core.Jdbi;

/** Admin API for delivery: dead letters and their replay, subscriptions with their state and backlog. */
public final class DeliveryAdminApi {
    private final Jdbi jdbi;
    private final DeliveryStore store;
    private final Map<String, Subscription> subscriptions;
    private final Clock clock;
    private final ObjectMapper json;

    public DeliveryAdminApi(Jdbi jdbi, DeliveryStore store, Map<String, Subscription> subscriptions, Clock clock, ObjectMapper json) {
        this.jdbi = jdbi;
        this.store = store;
        this.subscriptions = subscriptions;
        this.clock = clock;
        this.json = json;
    }

    public void deadLetters(Exchange exchange) throws IOException {
        String subscription = header(exchange, "subscription");
        Instant since = AdminApiSupport.time(header(exchange, "since"), "since");
        int limit = AdminApiSupport.limit(header(exchange, "limit"));
        List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery("""
                        SELECT o.id, o.event_id, o.subscription_id, o.attempts, o.finished_at, o.last_status, o.last_error, e.type
                        FROM outbox o JOIN inbox_event e ON e.id = o.event_id
                        WHERE o.state = 'dead'
                          AND (CAST(:subscription AS text) IS NULL OR o.subscription_id = :subscription)
                          AND (CAST(:since AS timestamptz) IS NULL OR o.finished_at >= CAST(:since AS timestamptz))
                        ORDER BY o.finished_at DESC, o.id DESC LIMIT :limit""")
                .bind("subscription", subscription).bind("since", since).bind("limit", limit)
                .map((rs, ctx) -> {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("id", rs.getLong("id"));
                    d.put("eventId", rs.getString("event_id"));
                    d.put("eventType", rs.getString("type"));
                    d.put("subscription", rs.getString("subscription_id"));
                    d.put("attempts", rs.getInt("attempts"));
                    d.put("deadAt", AdminApiSupport.instant(rs, "finished_at"));
                    d.put("lastStatus", rs.getObject("last_status"));
                    d.put("reason", rs.getString("last_error"));
                    return d;
                }).list());
        respond(exchange, 200, Map.of("deadLetters", rows, "count", rows.size()));
    }

    public void replayOne(Exchange exchange) throws IOException {
        String idText = header(exchange, "id");
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException e) {
            throw WebhookRejected.notFound("dead_letter_not_found", "no dead letter with id '" + idText + "'");
        }
        if (store.replay(id, null, null, null, clock.instant()) == 0) {
            throw WebhookRejected.notFound("dead_letter_not_found", "no dead letter with id " + id + " (it may be delivered or pending already)");
        }
        respond(exchange, 202, Map.of("replayed", 1, "id", id));
    }

    /** Body: {"subscription": "...", "from": ISO, "to": ISO}; subscription is required, the range is optional. */
    public void replayMany(Exchange exchange) throws IOException {
        JsonNode body = AdminApiSupport.jsonBody(exchange, json);
        String subscription = body.hasNonNull("subscription") ? body.get("subscription").asText() : null;
        if (subscription == null || !subscriptions.containsKey(subscription)) {
            throw WebhookRejected.badRequest("invalid_subscription", "give a configured subscription id as \"subscription\"");
        }
        Instant from = AdminApiSupport.time(body.hasNonNull("from") ? body.get("from").asText() : null, "from");
        Instant to = AdminApiSupport.time(body.hasNonNull("to") ? body.get("to").asText() : null, "to");
        int n = store.replay(null, subscription, from, to, clock.instant());
        respond(exchange, 202, Map.of("replayed", n, "subscription", subscription));
    }

    public void subscriptions(Exchange exchange) throws IOException {
        Map<String, Map<String, Object>> stats = new java.util.HashMap<>();
        for (DeliveryStore.SubscriptionStats st : store.subscriptionStats()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("enabled", st.enabled());
            m.put("disabledReason", st.disabledReason());
            m.put("disabledAt", st.disabledAt() == null ? null : st.disabledAt().toString());
            m.put("backlog", st.backlog());
            m.put("deadLetters", st.deadLetters());
            m.put("oldestPendingAt", st.oldestPendingAt() == null ? null : st.oldestPendingAt().toString());
            stats.put(st.id(), m);
        }
        List<Map<String, Object>> out = subscriptions.values().stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.id());
            m.put("url", s.url().toString());
            m.put("events", s.events());
            m.put("filters", s.filters());
            m.putAll(stats.getOrDefault(s.id(), Map.of("enabled", true, "backlog", 0, "deadLetters", 0)));
            return m;
        }).toList();
        respond(exchange, 200, Map.of("subscriptions", out, "count", out.size()));
    }

    public void enable(Exchange exchange) throws IOException {
        String id = header(exchange, "id");
        if (!subscriptions.containsKey(id) || !store.enable(id, clock.instant())) {
            throw unknownSubscription(id);
        }
        respond(exchange, 200, Map.of("id", id, "enabled", true));
    }

    /**
     * Pauses a subscription (CRM maintenance, say): nothing more is sent, matching events keep queueing, and
     * enable delivers them. Body optional: {"reason": "..."}; default "disabled by operator".
     */
    public void disable(Exchange exchange) throws IOException {
        String id = header(exchange, "id");
        if (!subscriptions.containsKey(id)) {
            throw unknownSubscription(id);
        }
        com.fasterxml.jackson.databind.JsonNode body = AdminApiSupport.optionalJsonBody(exchange, json);
        String reason = "disabled by operator";
        if (body != null && body.hasNonNull("reason")) {
            reason = body.get("reason").asText();
            if (reason.isBlank() || reason.length() > 500) {
                throw WebhookRejected.badRequest("invalid_reason", "reason must be 1 to 500 characters");
            }
        }
        store.disable(id, reason, clock.instant());
        respond(exchange, 200, Map.of("id", id, "enabled", false, "disabledReason", reason));
    }

    private static WebhookRejected unknownSubscription(String id) {
        return WebhookRejected.notFound("subscription_not_found", "no subscription '" + id + "' in subscriptions.yaml");
    }

    private static String header(Exchange exchange, String name) {
        return AdminApiSupport.header(exchange, name);
    }

    private void respond(Exchange exchange, int status, Object body) throws IOException {
        AdminApiSupport.respond(exchange, status, body, json);
    }
}
