package io.conversationconnector.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * The delivery state machine's one decision: after an attempt, is the event delivered, to be retried (when),
 * or dead (why)? 2xx delivered; network error, timeout, 408, 429 and 5xx retried on the schedule (with ±10 %
 * jitter, and never earlier than Retry-After); 410 dead and the subscription disabled; other 3xx/4xx dead.
 * The schedule's entry k is the delay before attempt k+1, so an exhausted schedule ends in a dead letter.
 */
public final class DeliveryRules {
    private DeliveryRules() {
    }

    public enum Outcome { DELIVERED, RETRY, DEAD, GONE }

    public record Decision(String state, Outcome outcome, Instant nextAttemptAt, String reason) {
    }

    public static Outcome classify(Integer status) {
        if (status == null) {
            return Outcome.RETRY; // network error or timeout
        }
        if (status >= 200 && status < 300) {
            return Outcome.DELIVERED;
        }
        if (status == 410) {
            return Outcome.GONE;
        }
        if (status == 408 || status == 429 || status >= 500) {
            return Outcome.RETRY;
        }
        return Outcome.DEAD;
    }

    /**
     * @param attempt    the attempt just made, 1-based
     * @param retryAfter the Retry-After header of the answer, or null
     * @param random     a source of uniform [0,1) numbers for the jitter
     */
    public static Decision decide(Integer status, String error, int attempt, List<Duration> schedule, Instant now,
                                  String retryAfter, DoubleSupplier random) {
        Outcome outcome = classify(status);
        switch (outcome) {
            case DELIVERED:
                return new Decision("delivered", outcome, null, null);
            case GONE:
                return new Decision("dead", outcome, null, "410 Gone: the endpoint asked not to be called again; subscription disabled");
            case DEAD:
                return new Decision("dead", outcome, null, status >= 300 && status < 400
                        ? "HTTP " + status + ": redirects are not followed; fix the subscription URL"
                        : "HTTP " + status + " is not retried" + (error == null ? "" : ": " + error));
            default:
                if (attempt >= schedule.size()) {
                    return new Decision("dead", Outcome.DEAD, null, "retries exhausted after " + attempt + " attempts; last: "
                            + (status == null ? error : "HTTP " + status));
                }
                long base = schedule.get(attempt).toMillis();
                long jittered = Math.round(base * (0.9 + 0.2 * random.getAsDouble()));
                Instant next = now.plusMillis(jittered);
                Instant notBefore = retryAfter(retryAfter, now);
                if (notBefore != null && notBefore.isAfter(next)) {
                    next = notBefore;
                }
                return new Decision("retrying", outcome, next, status == null ? error : "HTTP " + status);
        }
    }

    /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. Capped at one day. */
    static Instant retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Instant at;
        try {
            at = now.plusSeconds(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            try {
                at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            } catch (RuntimeException notADate) {
                return null;
            }
        }
        Instant cap = now.plus(Duration.ofDays(1));
        return at.isAfter(cap) ? cap : at;
    }
}
