package io.conversationconnector.storage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.conversationconnector.delivery.RateLimit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The outbox as the delivery workers see it: lease due rows, record what each attempt did. */
public final class DeliveryStore {
    /** A leased delivery: the event as stored, and which attempt this is (1 = first). */
    public record Claimed(long outboxId, String eventId, String subscriptionId, int attempt, int scheduleOffset, String type,
                          Instant occurredAt, String canonicalJson, String rawBody) {
        /** The attempt's place in the retry schedule: a replay starts the schedule again. */
        public int scheduleAttempt() {
            return attempt - scheduleOffset;
        }
    }

    /** What to write after an attempt. nextAttemptAt is set for state "retrying". */
    public record Result(long outboxId, int attempt, Instant startedAt, Integer statusCode, long latencyMillis,
                         String state, String outcome, Instant nextAttemptAt, String error, String disableSubscription,
                         String subscriptionId) {
        public Result withError(String replacement) {
            return new Result(outboxId, attempt, startedAt, statusCode, latencyMillis, state, outcome, nextAttemptAt,
                    replacement, disableSubscription, subscriptionId);
        }
    }

    /**
     * What a claim takes from: the configured subscriptions (the disabled ones are skipped), their rate limits
     * (a rate-limited one takes what its token bucket allows) and which deliver one row per conversation at a time.
     */
    public record Scope(List<String> subscriptions, Map<String, Double> rates, java.util.Set<String> ordered) {
    }

    /**
     * Due rows of one (enabled) subscription, oldest due first. A row of an ordered subscription waits while
     * an earlier row of its conversation is still pending or retrying (in flight, or waiting for its retry).
     */
    private static final String CLAIM = """
            UPDATE outbox o SET lease_until = :leaseUntil, attempts = o.attempts + 1
            FROM (SELECT o2.id FROM outbox o2 JOIN subscription_state s ON s.id = o2.subscription_id AND s.enabled
                  WHERE o2.state IN ('pending', 'retrying') AND o2.next_attempt_at <= :now
                    AND (o2.lease_until IS NULL OR o2.lease_until < :now)
                    AND o2.subscription_id = :subscription
                    AND (NOT :ordered OR o2.ordering_key IS NULL OR NOT EXISTS (
                        SELECT 1 FROM outbox earlier
                        WHERE earlier.subscription_id = o2.subscription_id AND earlier.ordering_key = o2.ordering_key
                          AND earlier.id < o2.id AND earlier.state IN ('pending', 'retrying')))
                  ORDER BY o2.next_attempt_at LIMIT :limit
                  FOR UPDATE OF o2 SKIP LOCKED) due, inbox_event e
            WHERE o.id = due.id AND e.id = o.event_id
            RETURNING o.id, o.event_id, o.subscription_id, o.attempts, o.schedule_offset, e.type, e.occurred_at, e.canonical::text AS canonical, e.raw_body""";

    /** The bucket is locked for the claim: nodes claiming for the same subscription take turns. */
    private static final String BUCKET = "SELECT rate_tokens, rate_updated_at FROM subscription_state WHERE id = :id AND enabled FOR UPDATE";

    private static final String SUCCEEDED = "UPDATE subscription_state SET failing_since = NULL WHERE id = :id AND failing_since IS NOT NULL";

    /** A failed attempt: remember since when it fails; past the limit, the subscription is disabled. */
    private static final String FAILED = """
            UPDATE subscription_state SET failing_since = COALESCE(failing_since, :startedAt),
                enabled = CASE WHEN enabled AND COALESCE(failing_since, :startedAt) <= :limit THEN false ELSE enabled END,
                disabled_reason = CASE WHEN enabled AND COALESCE(failing_since, :startedAt) <= :limit
                                       THEN 'failing continuously since ' || to_char(COALESCE(failing_since, :startedAt) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                                       ELSE disabled_reason END,
                disabled_at = CASE WHEN enabled AND COALESCE(failing_since, :startedAt) <= :limit THEN :now ELSE disabled_at END,
                updated_at = :now
            WHERE id = :id""";

    private static final String DISABLE = """
            UPDATE subscription_state SET enabled = false, disabled_reason = :reason, disabled_at = :now, updated_at = :now
            WHERE id = :id AND enabled""";

    private final Jdbi jdbi;
    private final java.util.concurrent.atomic.AtomicInteger rotation = new java.util.concurrent.atomic.AtomicInteger();

    public DeliveryStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Every configured subscription gets a state row (enabled) the first time it is seen. */
    public void register(Collection<String> subscriptionIds, Instant now) {
        jdbi.useHandle(h -> {
            for (String id : subscriptionIds) {
                h.createUpdate("INSERT INTO subscription_state (id, enabled, updated_at) VALUES (:id, true, :now) ON CONFLICT DO NOTHING")
                        .bind("id", id).bind("now", now).execute();
            }
        });
    }

    /**
     * Leases up to limit due deliveries; safe with several workers and nodes. Subscription by subscription
     * (each an index range), starting one further on every call so a backlog in one does not always come first;
     * disabled ones are skipped before any query, so a paused subscription's backlog is never walked through.
     */
    public List<Claimed> claim(int limit, Instant now, Duration lease, Scope scope) {
        java.util.Set<String> enabled = new java.util.HashSet<>(jdbi.withHandle(h ->
                h.createQuery("SELECT id FROM subscription_state WHERE enabled").mapTo(String.class).list()));
        List<String> all = scope.subscriptions();
        int start = all.isEmpty() ? 0 : Math.floorMod(rotation.getAndIncrement(), all.size());
        List<Claimed> claimed = new ArrayList<>();
        for (int i = 0; i < all.size() && claimed.size() < limit; i++) {
            String subscription = all.get((start + i) % all.size());
            if (!enabled.contains(subscription)) {
                continue;
            }
            Double rate = scope.rates().get(subscription);
            int room = limit - claimed.size();
            boolean ordered = scope.ordered().contains(subscription);
            claimed.addAll(rate == null
                    ? jdbi.inTransaction(h -> claim(h, subscription, ordered, room, now, lease))
                    : claimRateLimited(subscription, rate, room, now, lease, ordered));
        }
        return claimed;
    }

    private List<Claimed> claimRateLimited(String subscription, double ratePerSecond, int limit, Instant now, Duration lease,
                                           boolean ordered) {
        return jdbi.inTransaction(h -> {
            var bucket = h.createQuery(BUCKET).bind("id", subscription)
                    .map((rs, ctx) -> new RateLimit.Bucket((Double) rs.getObject("rate_tokens"), Database.instant(rs, "rate_updated_at")))
                    .findOne();
            if (bucket.isEmpty()) {
                return List.<Claimed>of(); // disabled
            }
            double tokens = RateLimit.available(bucket.get(), now, ratePerSecond);
            int allowed = (int) Math.min(limit, Math.floor(tokens));
            if (allowed == 0) {
                return List.<Claimed>of(); // the bucket refills continuously: nothing to write
            }
            List<Claimed> claimed = claim(h, subscription, ordered, allowed, now, lease);
            if (!claimed.isEmpty()) {
                h.createUpdate("UPDATE subscription_state SET rate_tokens = :tokens, rate_updated_at = :now WHERE id = :id")
                        .bind("tokens", tokens - claimed.size()).bind("now", now).bind("id", subscription).execute();
            }
            return claimed;
        });
    }

    private static List<Claimed> claim(Handle h, String subscription, boolean ordered, int limit, Instant now, Duration lease) {
        return h.createQuery(CLAIM)
                .bind("now", now).bind("leaseUntil", now.plus(lease)).bind("limit", limit)
                .bind("subscription", subscription).bind("ordered", ordered)
                .map((rs, ctx) -> new Claimed(rs.getLong("id"), rs.getString("event_id"), rs.getString("subscription_id"),
                        rs.getInt("attempts"), rs.getInt("schedule_offset"), rs.getString("type"), Database.instant(rs, "occurred_at"),
                        rs.getString("canonical"), rs.getString("raw_body")))
                .list();
    }

    private static final String FINISH_ALL = """
            UPDATE outbox o SET state = x.state, lease_until = NULL, last_status = x.status, last_error = x.error,
                next_attempt_at = COALESCE(micros_to_timestamptz(x.next_attempt_at), o.next_attempt_at),
                finished_at = CASE WHEN x.state IN ('delivered', 'dead') THEN CAST(:now AS timestamptz) END
            FROM unnest(:ids, :states, :statuses, :errors, :nextAttemptAts) AS x(id, state, status, error, next_attempt_at)
            WHERE o.id = x.id""";

    private static final String ATTEMPTS = """
            INSERT INTO delivery_attempt (outbox_id, attempt, started_at, status_code, latency_ms, outcome, error)
            SELECT id, attempt, micros_to_timestamptz(started_at), status, latency, outcome, error
            FROM unnest(:ids, :attempts, :startedAts, :statuses, :latencies, :outcomes, :errors)
                 AS x(id, attempt, started_at, status, latency, outcome, error)""";

    /**
     * A batch's outcomes in one transaction. It need not wait for the disk: delivery is at-least-once, so if this
     * commit is lost in a crash the rows' leases end and the events go out again with the same webhook-id.
     */
    public void recordAll(List<Result> results, java.util.Map<String, Duration> disableAfter, Instant now) {
        List<Long> ids = results.stream().map(Result::outboxId).toList();
        List<Integer> statuses = results.stream().map(Result::statusCode).toList();
        List<String> errors = results.stream().map(Result::error).toList();
        jdbi.useTransaction(h -> {
            h.execute("SET LOCAL synchronous_commit = off");
            h.createUpdate(FINISH_ALL).bind("ids", SqlArrays.int8(ids))
                    .bind("states", SqlArrays.text(results.stream().map(Result::state).toList()))
                    .bind("statuses", SqlArrays.int4(statuses)).bind("errors", SqlArrays.text(errors))
                    .bind("nextAttemptAts", SqlArrays.micros(results.stream().map(Result::nextAttemptAt).toList()))
                    .bind("now", now).execute();
            h.createUpdate(ATTEMPTS).bind("ids", SqlArrays.int8(ids))
                    .bind("attempts", SqlArrays.int4(results.stream().map(Result::attempt).toList()))
                    .bind("startedAts", SqlArrays.micros(results.stream().map(Result::startedAt).toList()))
                    .bind("statuses", SqlArrays.int4(statuses))
                    .bind("latencies", SqlArrays.int4(results.stream().map(r -> (int) Math.min(Integer.MAX_VALUE, r.latencyMillis())).toList()))
                    .bind("outcomes", SqlArrays.text(results.stream().map(Result::outcome).toList()))
                    .bind("errors", SqlArrays.text(errors)).execute();
            // Per subscription: a success clears failing_since; otherwise the earliest failure counts.
            java.util.Map<String, List<Result>> bySubscription = new java.util.TreeMap<>();
            results.forEach(r -> bySubscription.computeIfAbsent(r.subscriptionId(), k -> new java.util.ArrayList<>()).add(r));
            bySubscription.forEach((subscription, rs) -> {
                if (rs.stream().anyMatch(r -> "delivered".equals(r.state()))) {
                    h.createUpdate(SUCCEEDED).bind("id", subscription).execute();
                } else {
                    Instant firstFailure = rs.stream().map(Result::startedAt).min(Instant::compareTo).orElse(now);
                    h.createUpdate(FAILED).bind("id", subscription).bind("startedAt", firstFailure)
                            .bind("limit", now.minus(disableAfter.getOrDefault(subscription, Duration.ofDays(5)))).bind("now", now).execute();
                }
                rs.stream().filter(r -> r.disableSubscription() != null).findFirst().ifPresent(r ->
                        h.createUpdate(DISABLE).bind("id", subscription).bind("reason", r.disableSubscription()).bind("now", now).execute());
            });
        });
    }

    private static final String REPLAY = """
            UPDATE outbox SET state = 'pending', next_attempt_at = :now, lease_until = NULL, finished_at = NULL,
                schedule_offset = attempts
            WHERE state = 'dead'
              AND (CAST(:id AS bigint) IS NULL OR id = CAST(:id AS bigint))
              AND (CAST(:subscription AS text) IS NULL OR subscription_id = :subscription)
              AND (CAST(:from AS timestamptz) IS NULL OR finished_at >= CAST(:from AS timestamptz))
              AND (CAST(:to AS timestamptz) IS NULL OR finished_at < CAST(:to AS timestamptz))""";

    /** Dead letters back to pending (one by id, or by subscription and finish-time range); returns how many. */
    public int replay(Long id, String subscription, Instant from, Instant to, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate(REPLAY).bind("id", id).bind("subscription", subscription)
                .bind("from", from).bind("to", to).bind("now", now).execute());
    }

    /**
     * Re-enables a subscription; its queued deliveries then go out in order of their due time. The failure clock
     * starts again: otherwise the first failure after an auto-disable would disable it at once.
     */
    public boolean enable(String subscription, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE subscription_state SET enabled = true, disabled_reason = NULL, disabled_at = NULL,
                            failing_since = NULL, updated_at = :now
                        WHERE id = :id""").bind("id", subscription).bind("now", now).execute()) == 1;
    }

    /** An operator's pause; a subscription already disabled keeps its first reason. */
    public void disable(String subscription, String reason, Instant now) {
        jdbi.useHandle(h -> h.createUpdate(DISABLE).bind("id", subscription).bind("reason", reason).bind("now", now).execute());
    }

    /** One subscription as operators see it (admin API, metrics): its state, and its waiting and dead deliveries. */
    public record SubscriptionStats(String id, boolean enabled, String disabledReason, Instant disabledAt, long backlog,
                                    long deadLetters, Instant oldestPendingAt) {
    }

    // Only unfinished and dead rows are joined: the partial indexes of V3/V4/V7 hold them, delivered rows are not read.
    private static final String SUBSCRIPTION_STATS = """
            SELECT s.id, s.enabled, s.disabled_reason, s.disabled_at,
                   count(o.id) FILTER (WHERE o.state IN ('pending', 'retrying')) AS backlog,
                   count(o.id) FILTER (WHERE o.state = 'dead') AS dead,
                   min(o.created_at) FILTER (WHERE o.state IN ('pending', 'retrying')) AS oldest
            FROM subscription_state s
            LEFT JOIN outbox o ON o.subscription_id = s.id AND o.state IN ('pending', 'retrying', 'dead')
            GROUP BY s.id, s.enabled, s.disabled_reason, s.disabled_at""";

    public List<SubscriptionStats> subscriptionStats() {
        return jdbi.withHandle(h -> h.createQuery(SUBSCRIPTION_STATS).map((rs, ctx) -> new SubscriptionStats(rs.getString("id"),
                rs.getBoolean("enabled"), rs.getString("disabled_reason"), Database.instant(rs, "disabled_at"),
                rs.getLong("backlog"), rs.getLong("dead"), Database.instant(rs, "oldest"))).list());
    }
}
