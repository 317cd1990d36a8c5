package io.conversationconnector.config;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * One entry of sources.yaml: who may call us and how we authenticate them.
 *
 * @param authHeaders        Treble: headers (name, value) every request must carry
 * @param signingKey         Bird: the subscription's signingKey
 * @param publicUrl          Bird: the URL Bird calls and signs; null = rebuilt from the request
 * @param secret             Sinch: the webhook secret
 * @param timestampTolerance Sinch (default 5m) and Bird (default off): how stale a signed timestamp may be
 * @param token              Rasayel: the unguessable token in the webhook URL
 * @param timeZone           zone of zone-less provider timestamps (Treble), default UTC
 * @param channel            channel to assume when the payload does not say (Bird), may be null
 * @param inactivityTimeout  close conversations idle this long; null = never
 * @param optOutKeywords     whole-message keywords that opt a contact out (default: English, Spanish, Portuguese)
 * @param optInKeywords      whole-message keywords that opt a contact back in
 */
public record SourceConfig(
        String id,
        Provider provider,
        List<HeaderCredential> authHeaders,
        String signingKey,
        URI publicUrl,
        String secret,
        Duration timestampTolerance,
        String token,
        ZoneId timeZone,
        String channel,
        Duration inactivityTimeout,
        List<String> optOutKeywords,
        List<String> optInKeywords) {

    public record HeaderCredential(String header, String value) {
        @Override
        public String toString() {
            return "HeaderCredential[header=" + header + ", value=***]";
        }
    }

    @Override
    public String toString() {
        // Never print secrets, e.g. in an exception or a debug log line.
        return "SourceConfig[id=" + id + ", provider=" + provider.id() + "]";
    }
}
