package io.conversationconnector.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeliveryRulesTest {
    static final Instant NOW = Instant.parse("2025-11-20T14:00:00Z");
    static final List<Duration> SCHEDULE = List.of(Duration.ZERO, Duration.ofSeconds(5), Duration.ofMinutes(5));

    @ParameterizedTest(name = "HTTP {0} → {1}")
    @CsvSource(nullValues = "null", value = {"200,DELIVERED", "201,DELIVERED", "204,DELIVERED", "299,DELIVERED",
            "null,RETRY", "408,RETRY", "429,RETRY", "500,RETRY", "502,RETRY", "503,RETRY", "504,RETRY",
            "410,GONE", "400,DEAD", "401,DEAD", "403,DEAD", "404,DEAD", "422,DEAD", "301,DEAD", "302,DEAD"})
    void classifiesAnswers(Integer status, DeliveryRules.Outcome expected) {
        assertThat(DeliveryRules.classify(status)).isEqualTo(expected);
    }

    @Test
    void retriesFollowTheScheduleWithJitterThenDie() {
        // Attempt 1 failed: the next waits schedule[1] = 5 s, ±10 %.
        assertThat(DeliveryRules.decide(503, null, 1, SCHEDULE, NOW, null, () -> 0.0).nextAttemptAt()).isEqualTo(NOW.plusMillis(4500));
        assertThat(DeliveryRules.decide(503, null, 1, SCHEDULE, NOW, null, () -> 0.999999).nextAttemptAt()).isEqualTo(NOW.plusMillis(5500));
        assertThat(DeliveryRules.decide(null, "timeout", 2, SCHEDULE, NOW, null, () -> 0.5).nextAttemptAt()).isEqualTo(NOW.plusSeconds(300));
        DeliveryRules.Decision last = DeliveryRules.decide(500, null, 3, SCHEDULE, NOW, null, () -> 0.5);
        assertThat(last.state()).isEqualTo("dead");
        assertThat(last.reason()).contains("retries exhausted after 3 attempts");
    }

    @Test
    void retryAfterIsHonouredWhenLaterThanTheSchedule() {
        assertThat(DeliveryRules.decide(429, null, 1, SCHEDULE, NOW, "120", () -> 0.5).nextAttemptAt()).isEqualTo(NOW.plusSeconds(120));
        assertThat(DeliveryRules.decide(429, null, 1, SCHEDULE, NOW, "1", () -> 0.5).nextAttemptAt()).isEqualTo(NOW.plusSeconds(5));
        assertThat(DeliveryRules.decide(503, null, 1, SCHEDULE, NOW, "Thu, 20 Nov 2025 14:10:00 GMT", () -> 0.5).nextAttemptAt())
                .isEqualTo(Instant.parse("2025-11-20T14:10:00Z"));
        assertThat(DeliveryRules.decide(503, null, 1, SCHEDULE, NOW, "999999999", () -> 0.5).nextAttemptAt())
                .isEqualTo(NOW.plus(Duration.ofDays(1)));
        assertThat(DeliveryRules.decide(503, null, 1, SCHEDULE, NOW, "soon", () -> 0.5).nextAttemptAt()).isEqualTo(NOW.plusSeconds(5));
    }

    @Test
    void goneAndClientErrorsAreDeadImmediately() {
        assertThat(DeliveryRules.decide(410, null, 1, SCHEDULE, NOW, null, () -> 0.5).state()).isEqualTo("dead");
        assertThat(DeliveryRules.decide(400, "bad field", 1, SCHEDULE, NOW, null, () -> 0.5).reason()).contains("400").contains("bad field");
        assertThat(DeliveryRules.decide(302, null, 1, SCHEDULE, NOW, null, () -> 0.5).reason()).contains("redirects are not followed");
        assertThat(DeliveryRules.decide(200, null, 1, SCHEDULE, NOW, null, () -> 0.5).state()).isEqualTo("delivered");
    }

    @Test
    void theSigningLibraryReproducesTheOfficialStandardWebhooksVector() throws Exception {
        JsonNode v = new ObjectMapper().readTree(DeliveryRulesTest.class.getResourceAsStream("/vectors/standard_webhooks.json"));
        for (String name : List.of("official_vector", "computed_vector")) {
            JsonNode c = v.get(name);
            Webhook webhook = new Webhook(c.get("secret").asText());
            String signature = webhook.sign(c.get("headers").get("webhook-id").asText(),
                    c.get("headers").get("webhook-timestamp").asLong(), c.get("body").asText());
            assertThat(signature).isEqualTo(c.get("headers").get("webhook-signature").asText());
        }
    }
}
