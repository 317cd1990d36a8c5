package io.conversationconnector.storage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.github.f4b6a3.ulid.UlidCreator;
import io.conversationconnector.state.ConversationChange;
import io.conversationconnector.state.OptOutChange;
import io.conversationconnector.state.WindowChange;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Writes state changes inside the inbox transaction, one statement per table (arrays, unnest). Every update is monotonic in event
 * time (GREATEST / LEAST, and a status only replaces one set by an older event), so order of arrival does not
 * matter. Rows are written in key order so two concurrent transactions lock them in the same order.
 */
final class StateWriter {
    /** status_at is set exactly when the change sets a status, so it says whether EXCLUDED.status counts. */
    private static final String UPSERT_CONVERSATIONS = """
            INSERT INTO conversation AS c (id, source, provider_conversation_id, channel, contact_phone, provider_contact_id,
                status, status_at, opened_at, last_activity_at, last_inbound_at, closed_at, closure_reason, created_at, updated_at)
            SELECT id, source, provider_conversation_id, channel, contact_phone, provider_contact_id, COALESCE(status, 'open'),
                   micros_to_timestamptz(status_at), micros_to_timestamptz(seen_at), micros_to_timestamptz(activity_at),
                   micros_to_timestamptz(inbound_at), micros_to_timestamptz(closed_at), closure_reason, :now, :now
            FROM unnest(:ids, :sources, :providerConversationIds, :channels, :phones, :providerContactIds, :statuses,
                        :statusAts, :seenAts, :activityAts, :inboundAts, :closedAts, :closureReasons)
                 AS x(id, source, provider_conversation_id, channel, contact_phone, provider_contact_id, status, status_at,
                      seen_at, activity_at, inbound_at, closed_at, closure_reason)
            ON CONFLICT (source, provider_conversation_id) DO UPDATE SET
                channel = COALESCE(EXCLUDED.channel, c.channel),
                contact_phone = COALESCE(EXCLUDED.contact_phone, c.contact_phone),
                provider_contact_id = COALESCE(EXCLUDED.provider_contact_id, c.provider_contact_id),
                status = CASE WHEN c.status <> 'deleted' AND EXCLUDED.status_at IS NOT NULL
                                   AND (c.status_at IS NULL OR EXCLUDED.status_at >= c.status_at)
                              THEN EXCLUDED.status ELSE c.status END,
                closed_at = CASE WHEN c.status <> 'deleted' AND EXCLUDED.status_at IS NOT NULL AND EXCLUDED.status = 'closed'
                                      AND (c.status_at IS NULL OR EXCLUDED.status_at >= c.status_at)
                                 THEN EXCLUDED.closed_at ELSE c.closed_at END,
                closure_reason = CASE WHEN c.status <> 'deleted' AND EXCLUDED.status_at IS NOT NULL AND EXCLUDED.status = 'closed'
                                           AND (c.status_at IS NULL OR EXCLUDED.status_at >= c.status_at)
                                      THEN EXCLUDED.closure_reason ELSE c.closure_reason END,
                status_at = CASE WHEN c.status <> 'deleted' AND EXCLUDED.status_at IS NOT NULL
                                      AND (c.status_at IS NULL OR EXCLUDED.status_at >= c.status_at)
                                 THEN EXCLUDED.status_at ELSE c.status_at END,
                opened_at = LEAST(c.opened_at, EXCLUDED.opened_at),
                last_activity_at = GREATEST(c.last_activity_at, EXCLUDED.last_activity_at),
                last_inbound_at = GREATEST(c.last_inbound_at, EXCLUDED.last_inbound_at),
                updated_at = EXCLUDED.updated_at""";

    private static final String UPSERT_WINDOWS = """
            INSERT INTO contact_window AS w (contact_phone, source, last_inbound_at, provider_expires_at, closed_reported_at,
                fep_conversation_id, fep_started_at, fep_expires_at, pricing_category, pricing_at, updated_at, cs_expires_at)
            SELECT contact_phone, source, micros_to_timestamptz(inbound_at), micros_to_timestamptz(provider_expires_at),
                   micros_to_timestamptz(closed_reported_at), fep_conversation_id, micros_to_timestamptz(fep_started_at),
                   micros_to_timestamptz(fep_expires_at), pricing_category, micros_to_timestamptz(pricing_at), :now,
                   GREATEST(micros_to_timestamptz(inbound_at) + make_interval(secs => :customerServiceSeconds),
                            micros_to_timestamptz(provider_expires_at))
            FROM unnest(:phones, :sources, :inboundAts, :providerExpiresAts, :closedReportedAts, :fepIds, :fepStartedAts,
                        :fepExpiresAts, :pricings, :pricingAts)
                 AS x(contact_phone, source, inbound_at, provider_expires_at, closed_reported_at, fep_conversation_id,
                      fep_started_at, fep_expires_at, pricing_category, pricing_at)
            ON CONFLICT (contact_phone, source) DO UPDATE SET
                last_inbound_at = GREATEST(w.last_inbound_at, EXCLUDED.last_inbound_at),
                provider_expires_at = GREATEST(w.provider_expires_at, EXCLUDED.provider_expires_at),
                closed_reported_at = GREATEST(w.closed_reported_at, EXCLUDED.closed_reported_at),
                -- a free-entry-point window is replaced only by a later one of another WhatsApp conversation
                fep_conversation_id = CASE WHEN EXCLUDED.fep_started_at IS NOT NULL AND w.fep_conversation_id IS DISTINCT FROM EXCLUDED.fep_conversation_id
                                                AND (w.fep_started_at IS NULL OR EXCLUDED.fep_started_at > w.fep_started_at)
                                           THEN EXCLUDED.fep_conversation_id ELSE w.fep_conversation_id END,
                fep_started_at = CASE WHEN EXCLUDED.fep_started_at IS NULL THEN w.fep_started_at
                                      WHEN w.fep_conversation_id IS NOT DISTINCT FROM EXCLUDED.fep_conversation_id
                                           THEN LEAST(w.fep_started_at, EXCLUDED.fep_started_at)
                                      WHEN w.fep_started_at IS NULL OR EXCLUDED.fep_started_at > w.fep_started_at THEN EXCLUDED.fep_started_at
                                      ELSE w.fep_started_at END,
                fep_expires_at = CASE WHEN EXCLUDED.fep_started_at IS NULL THEN w.fep_expires_at
                                      WHEN w.fep_conversation_id IS NOT DISTINCT FROM EXCLUDED.fep_conversation_id
                                           THEN LEAST(w.fep_expires_at, EXCLUDED.fep_expires_at)
                                      WHEN w.fep_started_at IS NULL OR EXCLUDED.fep_started_at > w.fep_started_at THEN EXCLUDED.fep_expires_at
                                      ELSE w.fep_expires_at END,
                pricing_category = CASE WHEN EXCLUDED.pricing_at IS NOT NULL AND (w.pricing_at IS NULL OR EXCLUDED.pricing_at >= w.pricing_at)
                                        THEN EXCLUDED.pricing_category ELSE w.pricing_category END,
                pricing_at = GREATEST(w.pricing_at, EXCLUDED.pricing_at),
                -- the customer-service window's end (WindowRules), kept here so the window sweep can find it by index
                cs_expires_at = GREATEST(GREATEST(w.last_inbound_at, EXCLUDED.last_inbound_at) + make_interval(secs => :customerServiceSeconds),
                                         GREATEST(w.provider_expires_at, EXCLUDED.provider_expires_at)),
                updated_at = EXCLUDED.updated_at""";

    static final String UPSERT_OPT_OUT = """
            INSERT INTO opt_out AS o (phone, opted_out, changed_at, reason, keyword, source, event_id, actor, note)
            VALUES (:phone, :optedOut, :at, :reason, :keyword, :source, :eventId, :actor, :note)
            ON CONFLICT (phone) DO UPDATE SET opted_out = EXCLUDED.opted_out, changed_at = EXCLUDED.changed_at,
                reason = EXCLUDED.reason, keyword = EXCLUDED.keyword, source = EXCLUDED.source, event_id = EXCLUDED.event_id,
                actor = EXCLUDED.actor, note = EXCLUDED.note
            WHERE EXCLUDED.changed_at >= o.changed_at""";

    static final String INSERT_OPT_OUT_HISTORY = """
            INSERT INTO opt_out_history (phone, opted_out, occurred_at, recorded_at, reason, keyword, source, event_id, actor, note)
            VALUES (:phone, :optedOut, :at, :now, :reason, :keyword, :source, :eventId, :actor, :note)""";

    private StateWriter() {
    }

    static void apply(Handle h, List<ConversationChange> conversations, List<WindowChange> windows, List<OptOutChange> optOuts, Instant now) {
        for (List<ConversationChange> round : rounds(conversations, c -> c.source() + "\u0000" + c.providerConversationId())) {
            h.createUpdate(UPSERT_CONVERSATIONS)
                    .bind("ids", SqlArrays.text(map(round, c -> "conv_" + UlidCreator.getMonotonicUlid())))
                    .bind("sources", SqlArrays.text(map(round, ConversationChange::source)))
                    .bind("providerConversationIds", SqlArrays.text(map(round, ConversationChange::providerConversationId)))
                    .bind("channels", SqlArrays.text(map(round, ConversationChange::channel)))
                    .bind("phones", SqlArrays.text(map(round, ConversationChange::contactPhone)))
                    .bind("providerContactIds", SqlArrays.text(map(round, ConversationChange::providerContactId)))
                    .bind("statuses", SqlArrays.text(map(round, ConversationChange::status)))
                    .bind("statusAts", SqlArrays.micros(map(round, ConversationChange::statusAt)))
                    .bind("seenAts", SqlArrays.micros(map(round, ConversationChange::seenAt)))
                    .bind("activityAts", SqlArrays.micros(map(round, ConversationChange::activityAt)))
                    .bind("inboundAts", SqlArrays.micros(map(round, ConversationChange::inboundAt)))
                    .bind("closedAts", SqlArrays.micros(map(round, ConversationChange::closedAt)))
                    .bind("closureReasons", SqlArrays.text(map(round, ConversationChange::closureReason)))
                    .bind("now", now)
                    .execute();
        }
        for (List<WindowChange> round : rounds(windows, w -> w.contactPhone() + "\u0000" + w.source())) {
            h.createUpdate(UPSERT_WINDOWS)
                    .bind("phones", SqlArrays.text(map(round, WindowChange::contactPhone)))
                    .bind("sources", SqlArrays.text(map(round, WindowChange::source)))
                    .bind("inboundAts", SqlArrays.micros(map(round, WindowChange::inboundAt)))
                    .bind("providerExpiresAts", SqlArrays.micros(map(round, WindowChange::providerExpiresAt)))
                    .bind("closedReportedAts", SqlArrays.micros(map(round, WindowChange::closedReportedAt)))
                    .bind("fepIds", SqlArrays.text(map(round, WindowChange::fepConversationId)))
                    .bind("fepStartedAts", SqlArrays.micros(map(round, WindowChange::fepStartedAt)))
                    .bind("fepExpiresAts", SqlArrays.micros(map(round, WindowChange::fepExpiresAt)))
                    .bind("pricings", SqlArrays.text(map(round, WindowChange::pricingCategory)))
                    .bind("pricingAts", SqlArrays.micros(map(round, WindowChange::pricingAt)))
                    .bind("customerServiceSeconds", (double) io.conversationconnector.state.WindowRules.CUSTOMER_SERVICE.toSeconds())
                    .bind("now", now)
                    .execute();
        }
        if (!optOuts.isEmpty()) {
            List<OptOutChange> sorted = optOuts.stream().sorted(Comparator.comparing(OptOutChange::phone)).toList();
            bindOptOuts(h.prepareBatch(UPSERT_OPT_OUT), sorted, now).execute();
            bindOptOuts(h.prepareBatch(INSERT_OPT_OUT_HISTORY), sorted, now).execute();
        }
    }

    /**
     * ON CONFLICT DO UPDATE may not touch one row twice in a statement, so changes are split into rounds: round k
     * holds the k-th change of each key. Updates are monotonic, so applying them round by round gives the same
     * result as any order. Keys are sorted so concurrent transactions lock rows in the same order.
     */
    static <T> List<List<T>> rounds(List<T> changes, Function<T, String> key) {
        List<List<T>> rounds = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        changes.stream().sorted(Comparator.comparing(key)).forEach(change -> {
            int round = seen.merge(key.apply(change), 1, Integer::sum) - 1;
            if (round == rounds.size()) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(round).add(change);
        });
        return rounds;
    }

    private static <T, R> List<R> map(List<T> items, Function<T, R> f) {
        List<R> out = new ArrayList<>(items.size());
        for (T item : items) {
            out.add(f.apply(item));
        }
        return out;
    }

    static PreparedBatch bindOptOuts(PreparedBatch batch, List<OptOutChange> changes, Instant now) {
        for (OptOutChange o : changes) {
            batch.bind("phone", o.phone()).bind("optedOut", o.optedOut()).bind("at", o.at()).bind("reason", o.reason())
                    .bind("keyword", o.keyword()).bind("source", o.source()).bind("eventId", o.eventId())
                    .bind("actor", o.actor()).bind("note", o.note()).bind("now", now).add();
        }
        return batch;
    }
}
