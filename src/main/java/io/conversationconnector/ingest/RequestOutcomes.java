package io.conversationconnector.ingest;

import io.conversationconnector.observe.ConnectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every answered webhook request, in one place: one INFO line (logger {@code connector.requests}) with source,
 * status, event id or error, and the metrics. The line never holds a header, a body or the URL's last segment
 * (a Rasayel token): only the configured source id, the Treble kind and what we answered.
 */
public final class RequestOutcomes {
    private static final Logger LOG = LoggerFactory.getLogger("connector.requests");
    private final ConnectorMetrics metrics;

    public RequestOutcomes(ConnectorMetrics metrics) {
        this.metrics = metrics;
    }

    /** 202 (new events committed) or 200 (all of them already stored); {@code eventId} is the first event's id. */
    public void acknowledged(String source, int status, String eventId, int events, long startedNanos) {
        long nanos = System.nanoTime() - startedNanos;
        metrics.webhookAnswered(source, status, null, nanos);
        if (LOG.isInfoEnabled()) {
            LOG.info("webhook source={} status={} event={} events={} duplicate={} ms={}", source, status, eventId, events,
                    status == 200, nanos / 1_000_000);
        }
    }

    /** An error answer; {@code path} is already safe to log (ErrorResponses.safePath). */
    public void rejected(String source, String path, int status, String error, String detail, long startedNanos) {
        long nanos = startedNanos == 0 ? 0 : System.nanoTime() - startedNanos;
        String label = metrics.sourceLabel(source);
        metrics.webhookAnswered(label, status, error, nanos);
        if (status >= 500 && status != 503) {
            return; // logged with its stack trace by ErrorResponses
        }
        LOG.info("webhook source={} status={} error={} path={} detail={} ms={}", label, status, error, printable(path), printable(detail),
                nanos / 1_000_000);
    }

    /** A caller-chosen path segment as it may be logged: one line, at most 200 characters. */
    static String printable(String s) {
        if (s == null) {
            return null;
        }
        String line = s.replaceAll("\\p{Cntrl}", "?");
        return line.length() <= 200 ? line : line.substring(0, 200) + "…";
    }
}
