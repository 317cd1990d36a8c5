package io.conversationconnector.auth;

import java.time.Instant;
import java.util.function.UnaryOperator;

import io.conversationconnector.config.SourceConfig;

/**
 * What authentication needs to know about one webhook request.
 *
 * @param header      case-insensitive header lookup, null when absent
 * @param pathSegment the segment after /webhooks/{source}/ (Treble kind, Rasayel token), or null
 * @param requestUrl  the URL as the caller used it (scheme, host, path, query), rebuilt from the request
 * @param body        the exact bytes received
 */
public record InboundRequest(SourceConfig source, UnaryOperator<String> header, String pathSegment,
                             String requestUrl, byte[] body, Instant receivedAt) {
}
