package io.conversationconnector.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.config.Provider;
import io.conversationconnector.config.SourceConfig;
import io.conversationconnector.ingest.WebhookRejected;
import io.conversationconnector.state.KeywordDetector;
import org.junit.jupiter.api.Test;

/** The published and computed signature vectors (copied from the provider docs/SDKs into src/test/resources/vectors). */
class SignatureVectorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode vectors(String name) throws Exception {
        try (InputStream in = SignatureVectorsTest.class.getResourceAsStream("/vectors/" + name)) {
            return JSON.readTree(in);
        }
    }

    static InboundRequest request(SourceConfig source, Map<String, String> headers, String body, String url, Instant now, String segment) {
        Map<String, String> ci = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        ci.putAll(headers);
        return new InboundRequest(source, ci::get, segment, url, body.getBytes(StandardCharsets.UTF_8), now);
    }

    static SourceConfig bird(String key, String publicUrl, Duration tolerance) {
        return new SourceConfig("bird", Provider.BIRD, List.of(), key, publicUrl == null ? null : URI.create(publicUrl), null,
                tolerance, null, ZoneOffset.UTC, null, null, KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);
    }

    static SourceConfig sinch(String secret) {
        return new SourceConfig("sinch", Provider.SINCH, List.of(), null, null, secret, Duration.ofMinutes(5), null,
                ZoneOffset.UTC, null, null, KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);
    }

    static Map<String, String> headers(JsonNode node) {
        Map<String, String> h = new TreeMap<>();
        node.fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().asText()));
        return h;
    }

    @Test
    void birdVectorsVerify() throws Exception {
        JsonNode file = vectors("bird.json");
        String key = file.get("signingKey").asText();
        for (JsonNode v : file.get("vectors")) {
            Map<String, String> h = headers(v.get("headers"));
            Instant now = Instant.ofEpochSecond(Long.parseLong(h.get("messagebird-request-timestamp")));
            // As configured publicUrl ...
            new BirdSignatureAuthenticator().verify(request(bird(key, v.get("url").asText(), null), h, v.get("body").asText(), "http://ignored/", now, null));
            // ... and as rebuilt from the request when no publicUrl is configured.
            new BirdSignatureAuthenticator().verify(request(bird(key, null, null), h, v.get("body").asText(), v.get("url").asText(), now, null));
        }
    }

    @Test
    void birdSignatureIsTheLegacyMessageBirdConstructionOverTheUrl() throws Exception {
        // The legacy scheme signs the sorted query where Bird signs the URL; the published vectors pin the
        // binary-digest concatenation our implementation shares.
        for (JsonNode c : vectors("bird.json").get("legacy_messagebird_vectors_verified").get("cases")) {
            byte[] mac = BirdSignatureAuthenticator.sign(c.get("key").asText(), c.get("timestamp").asText(),
                    c.get("query").asText(), c.get("body").asText().getBytes(StandardCharsets.UTF_8));
            assertThat(Base64.getEncoder().encodeToString(mac)).isEqualTo(c.get("expected").asText());
        }
    }

    @Test
    void birdRejectsTamperedBodyWrongUrlAndMissingHeaders() throws Exception {
        JsonNode v = vectors("bird.json").get("vectors").get(0);
        Map<String, String> h = headers(v.get("headers"));
        Instant now = Instant.ofEpochSecond(Long.parseLong(h.get("messagebird-request-timestamp")));
        String body = v.get("body").asText();
        String url = v.get("url").asText();
        BirdSignatureAuthenticator auth = new BirdSignatureAuthenticator();
        assertThatThrownBy(() -> auth.verify(request(bird("secureSigningKey", url, null), h, body.replace("hallo", "hallO"), url, now, null)))
                .isInstanceOf(WebhookRejected.class).hasMessageContaining("does not match");
        assertThatThrownBy(() -> auth.verify(request(bird("secureSigningKey", url + "x", null), h, body, url, now, null)))
                .isInstanceOf(WebhookRejected.class);
        assertThatThrownBy(() -> auth.verify(request(bird("otherKey", url, null), h, body, url, now, null)))
                .isInstanceOf(WebhookRejected.class).extracting("status").isEqualTo(401);
        Map<String, String> noSig = new TreeMap<>(h);
        noSig.remove("messagebird-signature");
        assertThatThrownBy(() -> auth.verify(request(bird("secureSigningKey", url, null), noSig, body, url, now, null)))
                .hasMessageContaining("missing header messagebird-signature");
        // A tolerance is off by default (Bird retries keep hours-old timestamps) but enforced when configured.
        auth.verify(request(bird("secureSigningKey", url, null), h, body, url, now.plusSeconds(4 * 3600), null));
        assertThatThrownBy(() -> auth.verify(request(bird("secureSigningKey", url, Duration.ofMinutes(5)), h, body, url, now.plusSeconds(301), null)))
                .hasMessageContaining("tolerance");
    }

    @Test
    void sinchVectorsVerifyAndReturnTheNonce() throws Exception {
        JsonNode file = vectors("sinch.json");
        for (String name : List.of("official_vector", "computed_vector")) {
            JsonNode v = file.get(name);
            Map<String, String> h = headers(v.get("headers"));
            Instant now = Instant.ofEpochSecond(Long.parseLong(h.get("x-sinch-webhook-signature-timestamp")));
            String nonce = new SinchSignatureAuthenticator().verify(request(sinch(v.get("secret").asText()), h, v.get("body").asText(), "", now, null));
            assertThat(nonce).isEqualTo(h.get("x-sinch-webhook-signature-nonce"));
        }
    }

    @Test
    void sinchRejectsStaleTimestampsTamperingAndUnknownAlgorithms() throws Exception {
        JsonNode v = vectors("sinch.json").get("official_vector");
        Map<String, String> h = headers(v.get("headers"));
        Instant signedAt = Instant.ofEpochSecond(Long.parseLong(h.get("x-sinch-webhook-signature-timestamp")));
        String body = v.get("body").asText();
        SinchSignatureAuthenticator auth = new SinchSignatureAuthenticator();
        SourceConfig source = sinch("foo_secret1234");
        auth.verify(request(source, h, body, "", signedAt.plusSeconds(300), null));
        assertThatThrownBy(() -> auth.verify(request(source, h, body, "", signedAt.plusSeconds(301), null)))
                .hasMessageContaining("tolerance");
        assertThatThrownBy(() -> auth.verify(request(source, h, body, "", signedAt.minusSeconds(301), null)))
                .hasMessageContaining("tolerance");
        assertThatThrownBy(() -> auth.verify(request(source, h, body + " ", "", signedAt, null)))
                .hasMessageContaining("does not match");
        Map<String, String> md5 = new TreeMap<>(h);
        md5.put("x-sinch-webhook-signature-algorithm", "HmacMD5");
        assertThatThrownBy(() -> auth.verify(request(source, md5, body, "", signedAt, null)))
                .hasMessageContaining("unsupported");
    }

    @Test
    void sinchAcceptsHmacSha512() {
        String body = "{\"app_id\":\"x\"}";
        String ts = "1700000000";
        byte[] mac = SinchSignatureAuthenticator.sign("HmacSHA512", "s3cret", body.getBytes(StandardCharsets.UTF_8), "n-1", ts);
        assertThat(mac).hasSize(64);
        Map<String, String> h = Map.of("x-sinch-webhook-signature", Base64.getEncoder().encodeToString(mac),
                "x-sinch-webhook-signature-timestamp", ts, "x-sinch-webhook-signature-nonce", "n-1",
                "x-sinch-webhook-signature-algorithm", "HmacSHA512");
        assertThat(new SinchSignatureAuthenticator().verify(request(sinch("s3cret"), h, body, "", Instant.ofEpochSecond(1700000010), null)))
                .isEqualTo("n-1");
    }

    @Test
    void trebleHeadersAndRasayelTokenCompareExactly() {
        SourceConfig treble = new SourceConfig("t", Provider.TREBLE, List.of(new SourceConfig.HeaderCredential("Authorization", "Bearer abc"),
                new SourceConfig.HeaderCredential("X-Api-Key", "k1")), null, null, null, null, null, ZoneOffset.UTC, "whatsapp", null, KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);
        HeaderTokenAuthenticator headerAuth = new HeaderTokenAuthenticator();
        headerAuth.verify(request(treble, Map.of("authorization", "Bearer abc", "x-api-key", "k1"), "{}", "", Instant.now(), "read"));
        assertThatThrownBy(() -> headerAuth.verify(request(treble, Map.of("authorization", "Bearer abc"), "{}", "", Instant.now(), "read")))
                .hasMessage("missing header X-Api-Key");
        assertThatThrownBy(() -> headerAuth.verify(request(treble, Map.of("authorization", "Bearer abd", "x-api-key", "k1"), "{}", "", Instant.now(), "read")))
                .hasMessage("wrong value in header Authorization").message().doesNotContain("abc");

        SourceConfig rasayel = new SourceConfig("r", Provider.RASAYEL, List.of(), null, null, null, null, "tok-123", ZoneOffset.UTC, null, null, KeywordDetector.DEFAULT_OPT_OUT, KeywordDetector.DEFAULT_OPT_IN);
        new UrlTokenAuthenticator().verify(request(rasayel, Map.of(), "{}", "", Instant.now(), "tok-123"));
        assertThatThrownBy(() -> new UrlTokenAuthenticator().verify(request(rasayel, Map.of(), "{}", "", Instant.now(), "tok-124")))
                .extracting("status").isEqualTo(401);
    }
}
