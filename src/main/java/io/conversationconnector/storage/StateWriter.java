package io.conversationconnector.storage;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;

import com.github.f4b6a3.ulid.UlidCreator;
import io.conversationconnector.state.ConversationChange;
import io.conversationconnector.state.OptOutChange;
import io.conversationconnector.state.WindowChange;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Writes state changes inside the inbox transaction, one batch per table. Every update is monotonic in event
 * time (GREATEST / LEAST, and a status only replaces one set by an older event), so order of arrival does not
 * matter. Rows are written in key order so two concurrent transactions lock them in the same order.
 */
final class StateWriter {
    private static final String UPSERT_CONVERSATION = """
            INSERT INTO conversation AS c (id, source, provider_conversation_id, channel, contact_phone, provider_contact_id,
                status, status_at, opened_at, last_activity_at, last_inbound_at, closed_at, closure_reason, created_at, updated_at)
            VALUES (:id, :source, :providerConversationId, :channel, :phone, :providerContactId,
                COALESCE(CAST(:status AS text), 'open'), CAST(:statusAt AS timestamptz), CAST(:seenAt AS timestamptz),
                CAST(:activityAt AS timestamptz), CAST(:inboundAt AS timestamptz), CAST(:closedAt AS timestamptz),
                CAST(:closureReason AS text), :now, :now)
            ON CONFLICT (source, provider_conversation_id) DO UPDATE SET
                channel = COALESCE(EXCLUDED.channel, c.channel),
                contact_phone = COALESCE(EXCLUDED.contact_phone, c.contact_phone),
                provider_contact_id = COALESCE(EXCLUDED.provider_contact_id, c.provider_contact_id),
                status = CASE WHEN c.status <> 'deleted' AND CAST(:status AS text) IS NOT NULL
                                   AND (c.status_at IS NULL OR EXCLUDED.status_at >= c.status_at)
                              THEN EXCLUDED.status ELSE c.status END,
                closed_at = CASE WHEN c.status <> 'deleted' AND CAST(:status AS text) = 'closed'
                                      AND (c.status_at IS NULL OR EXCLUDED.status_at >= c.status_at)
                                 THEN EXCLUDED.closed_at ELSE c.closed_at END,
                closure_reason = CASE WHEN c.status <> 'deleted' AND CAST(:status AS text) = 'closed'
                                           AND (c.status_at IS NULL OR EXCLUDED.status_at >= c.status_at)
                                      THEN EXCLUDED.closure_reason ELSE c.closure_reason END,
                status_at = CASE WHEN c.status <> 'deleted' AND CAST(:status AS text) IS NOT NULL
                                      AND (c.status_at IS NULL OR EXCLUDED.status_at >= c.status_at)
                                 THEN EXCLUDED.status_at ELSE c.status_at END,
                opened_at = LEAST(c.opened_at, EXCLUDED.opened_at),
                last_activity_at = GREATEST(c.last_activity_at, EXCLUDED.last_activity_at),
                last_inbound_at = GREATEST(c.last_inbound_at, EXCLUDED.last_inbound_at),
                updated_at = EXCLUDED.updated_at""";

    private static final String UPSERT_WINDOW = """
            INSERT INTO contact_window AS w (contact_phone, source, last_inbound_at, provider_expires_at, closed_reported_at,
                fep_conversation_id, fep_started_at, fep_expires_at, pricing_category, pricing_at, updated_at)
            VALUES (:phone, :source, CAST(:inboundAt AS timestamptz), CAST(:providerExpiresAt AS timestamptz),
                CAST(:closedReportedAt AS timestamptz), CAST(:fepId AS text), CAST(:fepStartedAt AS timestamptz),
                CAST(:fepExpiresAt AS timestamptz), CAST(:pricing AS text), CAST(:pricingAt AS timestamptz), :now)
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
        OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
        if (!conversations.isEmpty()) {
            PreparedBatch batch = h.prepareBatch(UPSERT_CONVERSATION);
            conversations.stream().sorted(Comparator.comparing(ConversationChange::source).thenComparing(ConversationChange::providerConversationId))
                    .forEach(c -> batch.bind("id", "conv_" + UlidCreator.getMonotonicUlid())
                            .bind("source", c.source()).bind("providerConversationId", c.providerConversationId())
                            .bind("channel", c.channel()).bind("phone", c.contactPhone()).bind("providerContactId", c.providerContactId())
                            .bind("status", c.status()).bind("statusAt", ts(c.statusAt())).bind("seenAt", ts(c.seenAt()))
                            .bind("activityAt", ts(c.activityAt())).bind("inboundAt", ts(c.inboundAt()))
                            .bind("closedAt", ts(c.closedAt())).bind("closureReason", c.closureReason()).bind("now", at).add());
            batch.execute();
        }
        if (!windows.isEmpty()) {
            PreparedBatch batch = h.prepareBatch(UPSERT_WINDOW);
            windows.stream().sorted(Comparator.comparing(WindowChange::contactPhone).thenComparing(WindowChange::source))
                    .forEach(w -> batch.bind("phone", w.contactPhone()).bind("source", w.source())
                            .bind("inboundAt", ts(w.inboundAt())).bind("providerExpiresAt", ts(w.providerExpiresAt()))
                            .bind("closedReportedAt", ts(w.closedReportedAt())).bind("fepId", w.fepConversationId())
                            .bind("fepStartedAt", ts(w.fepStartedAt())).bind("fepExpiresAt", ts(w.fepExpiresAt()))
                            .bind("pricing", w.pricingCategory()).bind("pricingAt", ts(w.pricingAt())).bind("now", at).add());
            batch.execute();
        }
        if (!optOuts.isEmpty()) {
            List<OptOutChange> sorted = optOuts.stream().sorted(Comparator.comparing(OptOutChange::phone)).toList();
            bindOptOuts(h.prepareBatch(UPSERT_OPT_OUT), sorted, at).execute();
            bindOptOuts(h.prepareBatch(INSERT_OPT_OUT_HISTORY), sorted, at).execute();
        }
    }

    static PreparedBatch bindOptOuts(PreparedBatch batch, List<OptOutChange> changes, OffsetDateTime now) {
        for (OptOutChange o : changes) {
            batch.bind("phone", o.phone()).bind("optedOut", o.optedOut()).bind("at", ts(o.at())).bind("reason", o.reason())
                    .bind("keyword", o.keyword()).bind("source", o.source()).bind("eventId", o.eventId())
                    .bind("actor", o.actor()).bind("note", o.note()).bind("now", now).add();
        }
        return batch;
    }

    static OffsetDateTime ts(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
