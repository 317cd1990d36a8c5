package io.conversationconnector.storage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.f4b6a3.ulid.Ulid;
import io.conversationconnector.config.Subscription;
import io.conversationconnector.ingest.PendingEvent;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sweeps' SQL (routes/sweeps.camel.yaml). A sweep finds candidates without locking, the router classifies
 * the events it makes, and {@link #commit} stores them in one transaction after checking, under row locks,
 * that each is still due (a guard): a message that arrived meanwhile keeps its conversation open, an inbound
 * message that extended a window cancels that window's notice, and a notice already sent (another node, an
 * overlapping run) is not sent again. Behind the guards, the inbox's unique (source, providerEventId) makes a
 * repeat a no-op, as for provider events.
 */
public final class SweepStore {
    private static final Logger LOG = LoggerFactory.getLogger(SweepStore.class);
    private static final String UNIQUE_VIOLATION = "23505";

    /** Open conversations of one source idle since before the cutoff, oldest first (index conversation_idle). */
    private static final String FIND_IDLE = """
            SELECT id, provider_conversation_id, channel, contact_phone, provider_contact_id,
                   GREATEST(last_activity_at, status_at, opened_at) AS idle_since
            FROM conversation
            WHERE status = 'open' AND source = :source AND GREATEST(last_activity_at, status_at, opened_at) <= :cutoff
            ORDER BY GREATEST(last_activity_at, status_at, opened_at)
            LIMIT :limit""";

    /** Locks the conversations still open and idle since the same instant, in the order ingest locks them. */
    private static final String LOCK_STILL_IDLE = """
            SELECT c.id FROM conversation c
            JOIN unnest(:ids, :idleSinces) AS x(id, idle_since) ON c.id = x.id
            WHERE c.status = 'open' AND GREATEST(c.last_activity_at, c.status_at, c.opened_at) = micros_to_timestamptz(x.idle_since)
            ORDER BY c.source COLLATE "C", c.provider_conversation_id COLLATE "C"
            FOR UPDATE OF c""";

    // Window notices: one statement per window kind and notice (column names cannot be parameters).
    private static final String DUE_CS_EXPIRED = """
            SELECT contact_phone, source, pricing_category, fep_conversation_id, cs_expires_at AS expires_at FROM contact_window
            WHERE cs_expired_sent_for IS DISTINCT FROM cs_expires_at AND cs_expires_at <= :now AND source = ANY(:sources)
            ORDER BY cs_expires_at LIMIT :limit""";
    private static final String DUE_FEP_EXPIRED = """
            SELECT contact_phone, source, pricing_category, fep_conversation_id, fep_expires_at AS expires_at FROM contact_window
            WHERE fep_expired_sent_for IS DISTINCT FROM fep_expires_at AND fep_expires_at <= :now AND source = ANY(:sources)
            ORDER BY fep_expires_at LIMIT :limit""";
    /** Not for a window the provider said is closed (V11; the expired notice still comes at its end). */
    private static final String DUE_CS_EXPIRING = """
            SELECT contact_phone, source, pricing_category, fep_conversation_id, cs_expires_at AS expires_at FROM contact_window
            WHERE cs_expired_sent_for IS DISTINCT FROM cs_expires_at AND cs_expires_at > :now AND cs_expires_at <= :horizon
              AND cs_expiring_sent_for IS DISTINCT FROM cs_expires_at AND source = ANY(:sources)
              AND NOT cs_closed_by_provider
            ORDER BY cs_expires_at LIMIT :limit""";
    private static final String DUE_FEP_EXPIRING = """
            SELECT contact_phone, source, pricing_category, fep_conversation_id, fep_expires_at AS expires_at FROM contact_window
            WHERE fep_expired_sent_for IS DISTINCT FROM fep_expires_at AND fep_expires_at > :now AND fep_expires_at <= :horizon
              AND fep_expiring_sent_for IS DISTINCT FROM fep_expires_at AND source = ANY(:sources)
            ORDER BY fep_expires_at LIMIT :limit""";

    // A window that ended more than a day ago (a late or replayed message made it) is not announced any more:
    // its notices are marked as sent without sending.
    private static final String SKIP_STALE_CS = """
            UPDATE contact_window SET cs_expiring_sent_for = cs_expires_at, cs_expired_sent_for = cs_expires_at
            WHERE cs_expired_sent_for IS DISTINCT FROM cs_expires_at AND cs_expires_at < :staleBefore""";
    private static final String SKIP_STALE_FEP = """
            UPDATE contact_window SET fep_expiring_sent_for = fep_expires_at, fep_expired_sent_for = fep_expires_at
            WHERE fep_expired_sent_for IS DISTINCT FROM fep_expires_at AND fep_expires_at < :staleBefore""";
    public static final Duration STALE_NOTICE = Duration.ofHours(24);

    // Marks a notice sent for the windows whose end is still the one announced, and returns them. The rows are
    // locked first, in the order ingest locks them, so the two never deadlock. An expired notice also counts as
    // the expiring one (a window found already ended is not announced as expiring afterwards). :expired says
    // which notice; one statement per window kind (column names cannot be parameters).
    private static final String MARK_CS = """
            WITH due AS (
                SELECT w.contact_phone, w.source FROM contact_window w
                JOIN unnest(:phones, :sources, :ends) AS x(phone, source, ends) ON w.contact_phone = x.phone AND w.source = x.source
                WHERE w.cs_expires_at = micros_to_timestamptz(x.ends)
                  AND CASE WHEN :expired THEN w.cs_expired_sent_for ELSE w.cs_expiring_sent_for END IS DISTINCT FROM w.cs_expires_at
                ORDER BY w.contact_phone COLLATE "C", w.source COLLATE "C"
                FOR UPDATE OF w)
            UPDATE contact_window w SET cs_expiring_sent_for = w.cs_expires_at,
                cs_expired_sent_for = CASE WHEN :expired THEN w.cs_expires_at ELSE w.cs_expired_sent_for END
            FROM due WHERE w.contact_phone = due.contact_phone AND w.source = due.source
            RETURNING w.contact_phone, w.source""";
    private static final String MARK_FEP = """
            WITH due AS (
                SELECT w.contact_phone, w.source FROM contact_window w
                JOIN unnest(:phones, :sources, :ends) AS x(phone, source, ends) ON w.contact_phone = x.phone AND w.source = x.source
                WHERE w.fep_expires_at = micros_to_timestamptz(x.ends)
                  AND CASE WHEN :expired THEN w.fep_expired_sent_for ELSE w.fep_expiring_sent_for END IS DISTINCT FROM w.fep_expires_at
                ORDER BY w.contact_phone COLLATE "C", w.source COLLATE "C"
                FOR UPDATE OF w)
            UPDATE contact_window w SET fep_expiring_sent_for = w.fep_expires_at,
                fep_expired_sent_for = CASE WHEN :expired THEN w.fep_expires_at ELSE w.fep_expired_sent_for END
            FROM due WHERE w.contact_phone = due.contact_phone AND w.source = due.source
            RETURNING w.contact_phone, w.source""";

    /**
     * Retention, one batch of old events (ids are time-ordered ULIDs, so "older than" is an id range on the primary
     * key): an event is removed with its deliveries and their attempts unless one of its deliveries is still
     * pending or retrying; then it is kept whole. Returns the last id looked at and how much was removed.
     */
    private static final String RETIRE_EVENTS = """
            WITH old AS (SELECT id FROM inbox_event WHERE id > :after AND id < :before ORDER BY id LIMIT :limit),
                 kept AS (SELECT DISTINCT o.event_id FROM outbox o JOIN old ON o.event_id = old.id
                          WHERE o.state IN ('pending', 'retrying')),
                 gone_deliveries AS (DELETE FROM outbox o USING old
                          WHERE o.event_id = old.id AND o.event_id NOT IN (SELECT event_id FROM kept) RETURNING o.id),
                 gone_attempts AS (DELETE FROM delivery_attempt a USING gone_deliveries g WHERE a.outbox_id = g.id RETURNING a.id),
                 gone_events AS (DELETE FROM inbox_event e USING old
                          WHERE e.id = old.id AND e.id NOT IN (SELECT event_id FROM kept) RETURNING e.id)
            SELECT (SELECT max(id) FROM old) AS last_id, (SELECT count(*) FROM gone_events) AS events,
                   (SELECT count(*) FROM gone_deliveries) AS deliveries, (SELECT count(*) FROM gone_attempts) AS attempts""";
    private static final String RETIRE_NONCES = """
            DELETE FROM webhook_nonce n USING (
                SELECT source, nonce FROM webhook_nonce WHERE seen_at < :cutoff AND (:source IS NULL OR source = :source)
                  AND NOT (source = ANY(:keep)) LIMIT :limit) old
            WHERE n.source = old.source AND n.nonce = old.nonce""";

    public record IdleConversation(String id, String providerConversationId, String channel, String contactPhone,
                                   String providerContactId, Instant idleSince) {
    }

    public enum WindowKind { CUSTOMER_SERVICE, FREE_ENTRY_POINT }

    public enum Notice { EXPIRING, EXPIRED }

    public record DueNotice(WindowKind kind, Notice notice, String contactPhone, String source, Instant expiresAt,
                            String pricingCategory, String fepConversationId) {
    }

    /** What must still hold when a generated event is committed. */
    public sealed interface Guard permits StillIdle, NoticeDue {
    }

    /** The conversation (our id) is open and idle since exactly this instant. */
    public record StillIdle(String conversationId, Instant idleSince) implements Guard {
    }

    /** The window still ends at expiresAt and this notice has not been sent for it. */
    public record NoticeDue(WindowKind kind, Notice notice, String contactPhone, String source, Instant expiresAt) implements Guard {
    }

    /** An event a sweep made (classified by the router before the commit), its guard and the raw JSON stored for it. */
    public record Generated(PendingEvent pending, String rawJson, Guard guard) {
    }

    public record Retired(long events, long deliveries, long attempts, long nonces) {
    }

    private final Jdbi jdbi;
    private final EventRecorder recorder;
    private final ObjectMapper json;

    public SweepStore(Jdbi jdbi, Collection<Subscription> subscriptions, ObjectMapper json) {
        this.jdbi = jdbi;
        this.recorder = new EventRecorder(subscriptions);
        this.json = json;
    }

    public List<IdleConversation> findIdle(String source, Instant cutoff, int limit) {
        return jdbi.withHandle(h -> h.createQuery(FIND_IDLE).bind("source", source).bind("cutoff", cutoff).bind("limit", limit)
                .map((rs, ctx) -> new IdleConversation(rs.getString("id"), rs.getString("provider_conversation_id"),
                        rs.getString("channel"), rs.getString("contact_phone"), rs.getString("provider_contact_id"),
                        Database.instant(rs, "idle_since")))
                .list());
    }

    /**
     * Expired notices first (they are overdue), then expiring ones; at most limit in all. Windows that ended more
     * than {@link #STALE_NOTICE} ago are passed over for good.
     */
    public List<DueNotice> findDueNotices(Collection<String> sources, Instant now, Duration lead, int limit) {
        return jdbi.withHandle(h -> {
            h.createUpdate(SKIP_STALE_CS).bind("staleBefore", now.minus(STALE_NOTICE)).execute();
            h.createUpdate(SKIP_STALE_FEP).bind("staleBefore", now.minus(STALE_NOTICE)).execute();
            List<DueNotice> due = new ArrayList<>();
            for (Notice notice : List.of(Notice.EXPIRED, Notice.EXPIRING)) {
                for (WindowKind kind : WindowKind.values()) {
                    if (due.size() >= limit) {
                        return due;
                    }
                    String sql = switch (kind) {
                        case CUSTOMER_SERVICE -> notice == Notice.EXPIRED ? DUE_CS_EXPIRED : DUE_CS_EXPIRING;
                        case FREE_ENTRY_POINT -> notice == Notice.EXPIRED ? DUE_FEP_EXPIRED : DUE_FEP_EXPIRING;
                    };
                    due.addAll(h.createQuery(sql).bind("sources", SqlArrays.text(List.copyOf(sources)))
                            .bind("now", now).bind("horizon", now.plus(lead)).bind("limit", limit - due.size())
                            .map((rs, ctx) -> new DueNotice(kind, notice, rs.getString("contact_phone"), rs.getString("source"),
                                    Database.instant(rs, "expires_at"), rs.getString("pricing_category"),
                                    kind == WindowKind.FREE_ENTRY_POINT ? rs.getString("fep_conversation_id") : null))
                            .list());
                }
            }
            return due;
        });
    }

    /**
     * One transaction: the guards (row locks, in the order ingest takes them), then the events that passed, through
     * the same path as provider events (inbox, state, outbox). Returns how many events were stored.
     * <p>
     * A close's key (source, "connector:inactivity:" conversation and idle-since instant) can only be stored by a
     * close of that conversation for that idle period, which its passed guard rules out: so a batch of closes is
     * inserted as {@link EventRecorder.Keys#PROVED_NEW}. Should a key be stored all the same (a row written by
     * hand, a future key scheme), the batch is done again the ordinary way rather than fail on every run. A
     * window notice's key has the window's end to the millisecond while its guard compares microseconds, so
     * notices are never proved new.
     */
    public int commit(List<Generated> generated, Instant now) throws JsonProcessingException {
        if (generated.isEmpty()) {
            return 0;
        }
        List<String> canonical = new ArrayList<>(generated.size());
        for (Generated g : generated) {
            canonical.add(EventRecorder.canonicalJson(json, g.pending()));
        }
        if (generated.stream().allMatch(g -> g.guard() instanceof StillIdle)) {
            try {
                return commit(generated, canonical, now, EventRecorder.Keys.PROVED_NEW).stored();
            } catch (JdbiException e) {
                if (Database.sqlState(e, UNIQUE_VIOLATION) == null) {
                    throw e;
                }
            }
            Committed again = commit(generated, canonical, now, EventRecorder.Keys.MAY_BE_STORED);
            LOG.warn("A close's key was stored already, so its batch of {} was done again: {} stored, skipped as stored: {}",
                    generated.size(), again.stored(), again.repeatedKeys());
            return again.stored();
        }
        return commit(generated, canonical, now, EventRecorder.Keys.MAY_BE_STORED).stored();
    }

    /** What one commit passed to the inbox, and which of those were new. */
    private record Committed(List<EventRecorder.Row> rows, Set<String> inserted) {
        int stored() {
            return inserted.size();
        }

        /** The keys of the events that passed their guard but were stored already (for the warning only). */
        List<String> repeatedKeys() {
            return rows.stream().map(r -> r.pending().getEvent()).filter(e -> !inserted.contains(e.id()))
                    .map(e -> e.providerEventId()).toList();
        }
    }

    /*
     * The transaction is split into small methods with plain loops on purpose: the sweep's first run of 100,000
     * after a start has C2 compile this code while ingest is busy, and one method holding it all (streams, four
     * jdbi statement chains) cost C2 about 0.6 s there (bench/SWEEP-NOTES.md, 2026-12-07 afternoon).
     */
    private Committed commit(List<Generated> generated, List<String> canonical, Instant now, EventRecorder.Keys keys) {
        return jdbi.inTransaction(h -> {
            List<EventRecorder.Row> rows = passedRows(generated, canonical, passedGuards(h, generated));
            return new Committed(rows, recorder.record(h, rows, now, keys));
        });
    }

    /** Locks what the guards guard, in the order ingest locks it; returns the guards that still hold. */
    private static Set<Guard> passedGuards(Handle h, List<Generated> generated) {
        List<StillIdle> idle = new ArrayList<>();
        Map<List<Enum<?>>, List<NoticeDue>> notices = new java.util.HashMap<>();
        for (Generated g : generated) {
            if (g.guard() instanceof StillIdle s) {
                idle.add(s);
            } else if (g.guard() instanceof NoticeDue n) {
                notices.computeIfAbsent(List.of(n.kind(), n.notice()), k -> new ArrayList<>()).add(n);
            }
        }
        Set<Guard> passed = new HashSet<>();
        if (!idle.isEmpty()) {
            passed.addAll(stillIdle(h, idle));
        }
        for (List<NoticeDue> list : notices.values()) {
            passed.addAll(stillDue(h, list));
        }
        return passed;
    }

    /** The conversations still open and idle since the same instant, locked. */
    private static List<StillIdle> stillIdle(Handle h, List<StillIdle> idle) {
        List<String> ids = new ArrayList<>(idle.size());
        List<Instant> idleSinces = new ArrayList<>(idle.size());
        for (StillIdle s : idle) {
            ids.add(s.conversationId());
            idleSinces.add(s.idleSince());
        }
        Set<String> locked = new HashSet<>(h.createQuery(LOCK_STILL_IDLE).bind("ids", SqlArrays.text(ids))
                .bind("idleSinces", SqlArrays.micros(idleSinces)).mapTo(String.class).list());
        List<StillIdle> passed = new ArrayList<>(locked.size());
        for (StillIdle s : idle) {
            if (locked.contains(s.conversationId())) {
                passed.add(s);
            }
        }
        return passed;
    }

    /** Notices of one kind whose window still ends as found and was not announced yet: marked as announced. */
    private static List<NoticeDue> stillDue(Handle h, List<NoticeDue> list) {
        NoticeDue first = list.get(0);
        List<String> phones = new ArrayList<>(list.size());
        List<String> sources = new ArrayList<>(list.size());
        List<Instant> ends = new ArrayList<>(list.size());
        for (NoticeDue n : list) {
            phones.add(n.contactPhone());
            sources.add(n.source());
            ends.add(n.expiresAt());
        }
        Set<String> marked = new HashSet<>(h.createQuery(first.kind() == WindowKind.CUSTOMER_SERVICE ? MARK_CS : MARK_FEP)
                .bind("expired", first.notice() == Notice.EXPIRED)
                .bind("phones", SqlArrays.text(phones)).bind("sources", SqlArrays.text(sources))
                .bind("ends", SqlArrays.micros(ends))
                .map((rs, ctx) -> windowKey(rs.getString("contact_phone"), rs.getString("source"))).list());
        List<NoticeDue> passed = new ArrayList<>(marked.size());
        for (NoticeDue n : list) {
            if (marked.contains(windowKey(n.contactPhone(), n.source()))) {
                passed.add(n);
            }
        }
        return passed;
    }

    /** A window's key (contact_window's primary key) as one string: a NUL cannot occur in either part. */
    private static String windowKey(String contactPhone, String source) {
        return contactPhone + "\u0000" + source;
    }

    /** The inbox rows of the events whose guard passed. */
    private static List<EventRecorder.Row> passedRows(List<Generated> generated, List<String> canonical, Set<Guard> passed) {
        List<EventRecorder.Row> rows = new ArrayList<>(generated.size());
        for (int i = 0; i < generated.size(); i++) {
            Generated g = generated.get(i);
            if (passed.contains(g.guard())) {
                rows.add(new EventRecorder.Row(g.pending(), canonical.get(i), g.rawJson(), "{}"));
            }
        }
        return rows;
    }

    /**
     * Removes events received before the cutoff (and their finished deliveries and attempts), batch by batch, each
     * batch its own short transaction, so ingest never waits long for it. Nonces older than their source's limit
     * go too; {@code nonceCutoffs} maps a source to its own cutoff (null = keep its nonces), other sources use
     * {@code defaultNonceCutoff}.
     */
    public Retired retire(Instant eventCutoff, Map<String, Instant> nonceCutoffs, Instant defaultNonceCutoff, int batchSize) {
        // The smallest id a ULID made at the cutoff can have: every event id below it was made earlier.
        String before = "evt_" + new Ulid(eventCutoff.toEpochMilli(), new byte[10]);
        String after = "";
        long events = 0;
        long deliveries = 0;
        long attempts = 0;
        while (true) {
            String from = after;
            Map<String, Object> batch = jdbi.withHandle(h -> h.createQuery(RETIRE_EVENTS).bind("after", from).bind("before", before)
                    .bind("limit", batchSize).mapToMap().one());
            if (batch.get("last_id") == null) {
                break;
            }
            after = (String) batch.get("last_id");
            events += ((Number) batch.get("events")).longValue();
            deliveries += ((Number) batch.get("deliveries")).longValue();
            attempts += ((Number) batch.get("attempts")).longValue();
        }
        long nonces = 0;
        List<String> ownLimits = List.copyOf(nonceCutoffs.keySet());
        for (Map.Entry<String, Instant> e : nonceCutoffs.entrySet()) {
            if (e.getValue() != null) {
                nonces += deleteNonces(e.getKey(), e.getValue(), List.of(), batchSize);
            }
        }
        nonces += deleteNonces(null, defaultNonceCutoff, ownLimits, batchSize);
        return new Retired(events, deliveries, attempts, nonces);
    }

    private long deleteNonces(String source, Instant cutoff, List<String> keep, int batchSize) {
        long total = 0;
        while (true) {
            int n = jdbi.withHandle(h -> h.createUpdate(RETIRE_NONCES).bind("cutoff", cutoff).bind("source", source)
                    .bind("keep", SqlArrays.text(keep)).bind("limit", batchSize).execute());
            total += n;
            if (n < batchSize) {
                return total;
            }
        }
    }
}
