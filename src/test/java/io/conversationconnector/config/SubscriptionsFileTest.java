package io.conversationconnector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubscriptionsFileTest {
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final List<Duration> DEFAULT = SubscriptionsFile.parseSchedule("0s,5s,5m", "RETRY_SCHEDULE", "RETRY_SCHEDULE");
    @TempDir
    Path dir;

    Map<String, Subscription> load(String yaml) throws Exception {
        Files.writeString(dir.resolve("subscriptions.yaml"), yaml);
        return SubscriptionsFile.load(dir, new EnvSubstitution(Map.of("KEY", "k-1", "WHSEC", SECRET)::get), DEFAULT);
    }

    @Test
    void readsSubscriptionsWithDefaultsAndSubstitution() throws Exception {
        Map<String, Subscription> subs = load("""
                subscriptions:
                  - id: crm-main
                    url: https://crm.example.com/hooks
                    events: [conversation.closed, contact.opted_out]
                    filters: { source: treble-main }
                    secret: ${WHSEC}
                    headers: { X-Api-Key: "${KEY}" }
                  - id: all
                    url: http://127.0.0.1:9000/x
                    events: ["*"]
                    secret: %s
                    retrySchedule: [0s, 1m]
                    timeout: 3s
                    disableAfter: 12h
                    ordered: true
                    maxRatePerSecond: 2.5
                """.formatted(SECRET));
        Subscription main = subs.get("crm-main");
        assertThat(main.headers()).containsEntry("X-Api-Key", "k-1");
        assertThat(main.retrySchedule()).isEqualTo(DEFAULT);
        assertThat(main.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(main.disableAfter()).isEqualTo(Duration.ofDays(5));
        assertThat(main.toString()).doesNotContain(SECRET).doesNotContain("k-1");
        assertThat(subs.get("all").retrySchedule()).containsExactly(Duration.ZERO, Duration.ofMinutes(1));
        assertThat(subs.get("all").timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(subs.get("all").disableAfter()).isEqualTo(Duration.ofHours(12));
        assertThat(main.ordered()).isFalse();
        assertThat(main.maxRatePerSecond()).isNull();
        assertThat(subs.get("all").ordered()).isTrue();
        assertThat(subs.get("all").maxRatePerSecond()).isEqualTo(2.5);
    }

    @Test
    void noFileMeansNoSubscriptions() {
        assertThat(SubscriptionsFile.load(dir, new EnvSubstitution(k -> null), DEFAULT)).isEmpty();
    }

    @Test
    void invalidSettingsStopStartUpWithFileAndKey() throws Exception {
        String base = "subscriptions:\n  - id: a\n    url: https://x.example.com/h\n    events: [conversation.closed]\n    secret: " + SECRET + "\n";
        assertThatThrownBy(() -> load(base.replace("conversation.closed", "conversation.exploded")))
                .hasMessageContaining("subscriptions[0].events").hasMessageContaining("unknown event type");
        assertThatThrownBy(() -> load(base.replace(SECRET, "not-a-whsec"))).hasMessageContaining("subscriptions[0].secret");
        assertThatThrownBy(() -> load(base.replace("https://x.example.com/h", "ftp://x"))).hasMessageContaining("subscriptions[0].url");
        assertThatThrownBy(() -> load(base + "    filters: { region: eu }\n")).hasMessageContaining("subscriptions[0].filters.region");
        assertThatThrownBy(() -> load(base + "    ordered: yes please\n")).hasMessageContaining("subscriptions[0].ordered").hasMessageContaining("true or false");
        assertThatThrownBy(() -> load(base + "    maxRatePerSecond: 0\n")).hasMessageContaining("subscriptions[0].maxRatePerSecond");
        assertThatThrownBy(() -> load(base + "    maxRatePerSecond: fast\n")).hasMessageContaining("subscriptions[0].maxRatePerSecond").hasMessageContaining("'fast'");
        assertThatThrownBy(() -> load(base + "    mapping: mappings/x.jsonata\n")).hasMessageContaining("subscriptions[0].mapping")
                .hasMessageContaining("not a file");
        assertThatThrownBy(() -> load(base + "    mapping: ../outside.jsonata\n")).hasMessageContaining("not a file");
        Files.createDirectories(dir.resolve("mappings"));
        Files.writeString(dir.resolve("mappings/broken.jsonata"), "{ \"a\": ");
        assertThatThrownBy(() -> load(base + "    mapping: mappings/broken.jsonata\n")).hasMessageContaining("not a valid JSONata template");
        Files.writeString(dir.resolve("mappings/ok.jsonata"), "{ \"phone\": contact.phone }");
        assertThat(load(base + "    mapping: mappings/ok.jsonata\n").get("a").mapping().name()).isEqualTo("mappings/ok.jsonata");
        assertThatThrownBy(() -> load(base + "    timeout: 5h\n")).hasMessageContaining("subscriptions[0].timeout");
        assertThatThrownBy(() -> load(base + "    retrySchedule: [0s, -PT5S]\n")).hasMessageContaining("subscriptions[0].retrySchedule[1]")
                .hasMessageContaining("'-PT5S' is negative");
        assertThatThrownBy(() -> SubscriptionsFile.parseSchedule("0s,PT-5M", "application.properties", "connector.delivery.retry-schedule"))
                .hasMessageContaining("connector.delivery.retry-schedule").hasMessageContaining("negative");
        assertThatThrownBy(() -> load(base + base.substring("subscriptions:\n".length()))).hasMessageContaining("duplicate id 'a'");
        assertThatThrownBy(() -> load(base + "    secrett: x\n")).hasMessageContaining("not a subscription setting");
        assertThatThrownBy(() -> load(base.replace(SECRET, "${MISSING}"))).hasMessageContaining("MISSING");
    }
}
