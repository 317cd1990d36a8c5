package io.conversationconnector.storage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.canonical.CanonicalEvent;
import io.conversationconnector.config.Subscription;
import io.conversationconnector.ingest.PendingEvent;
import io.conversationconnector.state.ConversationChange;
import io.conversationconnector.state.OptOutChange;
import io.conversationconnector.state.WindowChange;
import org.jdbi.v3.core.Handle;

/**
 * The one way an event enters the inbox, inside the caller's transaction: the inbox row (a repeat of
 * source + providerEventId inserts nothing), then, for the events that are new, their state changes
 * (conversation, window, opt-out) and one outbox row per matching subscription. Webhooks (InboxWriter) and
 * the connector's own events (SweepStore: inactivity closes, window notices) both come through here.
 */
final class EventRecorder {
    /** All events in one statement (arrays, unnest): one parse and plan, however many events. */
    private static final String INSERT = """
            INSERT INTO inbox_event (id, source, provider, provider_event_id, type, branch, occurred_at, received_at,
                                     conversation_id, contact_phone, canonical, raw_body, request_headers)
            SELECT id, source, provider, provider_event_id, type, branch, micros_to_timestamptz(occurred_at),
                   micros_to_timestamptz(received_at), conversation_id, contact_phone, CAST(canonical AS jsonb), raw_body,
                   CAST(request_headers AS jsonb)
            FROM unnest(:ids, :sources, :providers, :providerEventIds, :types, :branches, :occurredAts, :receivedAts,
                        :conversationIds, :contactPhones, :canonicals, :rawBodies, :headers)
                 AS e(id, source, provider, provider_event_id, type, branch, occurred_at, received_at, conversation_id,
                      contact_phone, canonical, raw_body, request_headers)
            """;
    /** A repeat of (source, providerEventId) inserts nothing and is not returned. */
    private static final String INSERT_UNLESS_STORED = INSERT + "ON CONFLICT (source, provider_event_id) DO NOTHING RETURNING id";
    /**
     * For keys the caller proved new under row locks (a sweep's closes): no speculative insertion, which cost
     * about 6.5 µs an event (README, Benchmark). A key stored after all fails the statement (unique violation).
     */
    private static final String INSERT_NEW = INSERT + "RETURNING id";
    /**
     * One outbox row per new event and matching subscription (delivery happens later, never in the request). The
     * events were inserted by this same transaction and subscription ids are unique, so no row can conflict: no
     * ON CONFLICT clause, whose pre-check cost 2.8 µs more per row (10.7 against 7.9 µs, psql, 100,000 rows, six
     * alternating runs each). The unique index still guards it.
     */
    private static final String ENQUEUE = """
            INSERT INTO outbox (event_id, subscription_id, ordering_key, state, attempts, next_attempt_at, created_at)
            SELECT event_id, subscription_id, ordering_key, 'pending', 0, :now, :now
            FROM unnest(:eventIds, :subscriptionIds, :orderingKeys) AS x(event_id, subscription_id, ordering_key)""";

    /** One event to store: classified (branch, state changes), its canonical JSON, raw body and kept headers. */
    record Row(PendingEvent pending, String canonicalJson, String rawBody, String headersJson) {
    }

    /**
     * The text stored as an event's {@code canonical} column (and spliced into deliveries): the event without its raw
     * payload, which has its own column. Written by the caller before the transaction, after the router.
     */
    static String canonicalJson(ObjectMapper json, PendingEvent pending) throws JsonProcessingException {
        return json.writeValueAsString(pending.getEvent().withoutRaw());
    }

    private final List<Subscription> subscriptions;

    EventRecorder(Collection<Subscription> subscriptions) {
        this.subscriptions = List.copyOf(subscriptions);
    }

    /** What the caller knows of the rows' keys (source, providerEventId). */
    enum Keys {
        /** Some may be stored already (a provider's retry): those insert nothing. */
        MAY_BE_STORED,
        /** Proved new under row locks; one stored after all fails the whole statement (SQLState 23505). */
        PROVED_NEW
    }

    /** Returns the ids of the events that were new (the others were already stored and changed nothing). */
    Set<String> record(Handle h, List<Row> rows, Instant now, Keys keys) {
        if (rows.isEmpty()) {
            return Set.of();
        }
        int n = rows.size();
        List<String> ids = new ArrayList<>(n);
        List<String> sources = new ArrayList<>(n);
        List<String> providers = new ArrayList<>(n);
        List<String> providerEventIds = new ArrayList<>(n);
        List<String> types = new ArrayList<>(n);
        List<String> branches = new ArrayList<>(n);
        List<Instant> occurredAts = new ArrayList<>(n);
        List<Instant> receivedAts = new ArrayList<>(n);
        List<String> conversationIds = new ArrayList<>(n);
        List<String> contactPhones = new ArrayList<>(n);
        List<String> canonicals = new ArrayList<>(n);
        List<String> rawBodies = new ArrayList<>(n);
        List<String> headers = new ArrayList<>(n);
        for (Row row : rows) {
            CanonicalEvent ev = row.pending().getEvent();
            ids.add(ev.id());
            sources.add(ev.source());
            providers.add(ev.provider());
            providerEventIds.add(ev.providerEventId());
            types.add(ev.type());
            branches.add(row.pending().getBranch());
            occurredAts.add(ev.occurredAt());
            receivedAts.add(ev.receivedAt());
            conversationIds.add(ev.conversation() == null ? null : ev.conversation().id());
            contactPhones.add(ev.contact() == null ? null : ev.contact().phone());
            canonicals.add(row.canonicalJson());
            rawBodies.add(row.rawBody());
            headers.add(row.headersJson());
        }
        Set<String> inserted = new HashSet<>(h.createQuery(keys == Keys.PROVED_NEW ? INSERT_NEW : INSERT_UNLESS_STORED)
                .bind("ids", SqlArrays.text(ids)).bind("sources", SqlArrays.text(sources))
                .bind("providers", SqlArrays.text(providers)).bind("providerEventIds", SqlArrays.text(providerEventIds))
                .bind("types", SqlArrays.text(types)).bind("branches", SqlArrays.text(branches))
                .bind("occurredAts", SqlArrays.micros(occurredAts)).bind("receivedAts", SqlArrays.micros(receivedAts))
                .bind("conversationIds", SqlArrays.text(conversationIds)).bind("contactPhones", SqlArrays.text(contactPhones))
                .bind("canonicals", SqlArrays.text(canonicals)).bind("rawBodies", SqlArrays.text(rawBodies))
                .bind("headers", SqlArrays.text(headers))
                .mapTo(String.class).list());

        List<ConversationChange> conversations = new ArrayList<>();
        List<WindowChange> windows = new ArrayList<>();
        List<OptOutChange> optOuts = new ArrayList<>();
        List<String> outboxEvents = new ArrayList<>();
        List<String> outboxSubscriptions = new ArrayList<>();
        List<String> outboxOrderingKeys = new ArrayList<>();
        for (Row row : rows) {
            PendingEvent p = row.pending();
            if (!inserted.contains(p.getEvent().id())) {
                continue; // only a new event changes state or is delivered
            }
            for (Subscription s : subscriptions) {
                if (s.matches(p.getEvent())) {
                    outboxEvents.add(p.getEvent().id());
                    outboxSubscriptions.add(s.id());
                    outboxOrderingKeys.add(s.orderingKey(p.getEvent()));
                }
            }
            addIfPresent(conversations, p.getConversationChange());
            addIfPresent(windows, p.getWindowChange());
            addIfPresent(optOuts, p.getOptOutChange());
        }
        StateWriter.apply(h, conversations, windows, optOuts, now);
        if (!outboxEvents.isEmpty()) {
            h.createUpdate(ENQUEUE).bind("eventIds", SqlArrays.text(outboxEvents))
                    .bind("subscriptionIds", SqlArrays.text(outboxSubscriptions))
                    .bind("orderingKeys", SqlArrays.text(outboxOrderingKeys))
                    .bind("now", now).execute();
        }
        return inserted;
    }

    private static <T> void addIfPresent(List<T> list, T item) {
        if (item != null) {
            list.add(item);
        }
    }
}
