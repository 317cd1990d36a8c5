package io.conversationconnector.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.conversationconnector.canonical.CanonicalEvent;
import io.conversationconnector.delivery.MappingTemplate;

/**
 * One entry of subscriptions.yaml: a CRM that hears about some canonical events.
 *
 * @param events        event types, or "*" for all
 * @param filters       all must match: source, provider, channel
 * @param secret        whsec_… Standard Webhooks signing secret
 * @param headers       static headers added to every delivery
 * @param retrySchedule delay before each attempt: the first is usually 0s (immediately)
 * @param disableAfter  failing continuously (no success) this long disables the subscription
 * @param mapping       JSONata template for the body; null = the canonical envelope
 * @param ordered       per-conversation FIFO: at most one event of a conversation in flight
 * @param maxRatePerSecond deliveries per second over all nodes; null = no limit
 */
public record Subscription(String id, URI url, Set<String> events, Map<String, String> filters, String secret,
                           Map<String, String> headers, List<Duration> retrySchedule, Duration timeout, Duration disableAfter,
                           MappingTemplate mapping, boolean ordered, Double maxRatePerSecond) {

    public boolean matches(CanonicalEvent e) {
        if (!events.contains("*") && !events.contains(e.type())) {
            return false;
        }
        for (Map.Entry<String, String> f : filters.entrySet()) {
            String actual = switch (f.getKey()) {
                case "source" -> e.source();
                case "provider" -> e.provider();
                case "channel" -> e.conversation() == null ? null : e.conversation().channel();
                default -> null;
            };
            if (!f.getValue().equals(actual)) {
                return false;
            }
        }
        return true;
    }

    /**
     * For an ordered subscription, the conversation whose events go out one at a time: the provider's conversation,
     * or the contact when the event names no conversation; null (no order) when it names neither.
     */
    public String orderingKey(CanonicalEvent e) {
        if (!ordered) {
            return null;
        }
        if (e.conversation() != null && e.conversation().id() != null) {
            return e.source() + "/conversation/" + e.conversation().id();
        }
        if (e.contact() != null && e.contact().phone() != null) {
            return e.source() + "/contact/" + e.contact().phone();
        }
        return null;
    }

    @Override
    public String toString() {
        return "Subscription[id=" + id + ", url=" + url + "]"; // never the secret or header values
    }
}
