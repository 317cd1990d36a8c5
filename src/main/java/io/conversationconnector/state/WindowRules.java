package io.conversationconnector.state;

import java.time.Duration;
import java.time.Instant;

/**
 * WhatsApp window rules (providers.md §6). The customer-service window opens or resets to 24 h at each inbound
 * user message; business messages never extend it. A free-entry-point window lasts 72 h. A window is open while
 * now is strictly before its end. A provider's report that the window is closed (an out-of-window failure)
 * wins over our computation until a newer inbound message arrives.
 */
public final class WindowRules {
    public static final Duration CUSTOMER_SERVICE = Duration.ofHours(24);
    public static final Duration FREE_ENTRY_POINT = Duration.ofHours(72);

    private WindowRules() {
    }

    /** The stored facts about one contact's window at one source. */
    public record Facts(String source, Instant lastInboundAt, Instant providerExpiresAt, Instant closedReportedAt,
                        Instant fepStartedAt, Instant fepExpiresAt, String pricingCategory) {
    }

    public record FreeEntryPoint(boolean open, Instant startedAt, Instant expiresAt, long secondsLeft) {
    }

    public record View(String source, boolean open, String kind, Instant expiresAt, long secondsLeft, Instant lastInboundAt,
                       String pricingCategory, boolean closedByProvider, FreeEntryPoint freeEntryPoint) {
    }

    public static View evaluate(Facts f, Instant now) {
        Instant computed = f.lastInboundAt() == null ? null : f.lastInboundAt().plus(CUSTOMER_SERVICE);
        Instant expires = latest(computed, f.providerExpiresAt());
        // The database's contact_window.cs_closed_by_provider (V11) is the same rule; SweepTest checks they agree.
        boolean closedByProvider = f.closedReportedAt() != null
                && (f.lastInboundAt() == null || !f.closedReportedAt().isBefore(f.lastInboundAt()));
        boolean open = expires != null && now.isBefore(expires) && !closedByProvider;
        FreeEntryPoint fep = null;
        if (f.fepExpiresAt() != null && now.isBefore(f.fepExpiresAt())) {
            fep = new FreeEntryPoint(true, f.fepStartedAt(), f.fepExpiresAt(), secondsBetween(now, f.fepExpiresAt()));
        }
        return new View(f.source(), open, "customer_service", expires, open ? secondsBetween(now, expires) : 0,
                f.lastInboundAt(), f.pricingCategory(), closedByProvider, fep);
    }

    static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }

    private static long secondsBetween(Instant from, Instant to) {
        return Duration.between(from, to).getSeconds();
    }
}
