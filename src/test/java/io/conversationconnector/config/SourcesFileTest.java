package io.conversationconnector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesFileTest {
    @TempDir
    Path dir;

    private Map<String, SourceConfig> load(String yaml, Map<String, String> env) throws Exception {
        Files.writeString(dir.resolve("sources.yaml"), yaml);
        return SourcesFile.load(dir, new EnvSubstitution(env::get));
    }

    @Test
    void readsEveryProviderWithSubstitutionAndDefaults() throws Exception {
        Map<String, SourceConfig> sources = load("""
                sources:
                  - id: treble-main
                    provider: treble
                    auth: { header: Authorization, value: "Bearer ${TREBLE_TOKEN}" }
                    timeZone: America/Bogota
                    inactivityTimeout: 30m
                  - id: bird-eu
                    provider: bird
                    signingKey: ${BIRD_KEY:-fallback-key}
                    publicUrl: https://hooks.example.com/webhooks/bird-eu
                  - id: sinch-app
                    provider: sinch
                    secret: ${SINCH_SECRET}
                  - id: rasayel-main
                    provider: rasayel
                    token: tok
                """, Map.of("TREBLE_TOKEN", "t0k", "SINCH_SECRET", "s3c"));
        assertThat(sources).containsOnlyKeys("treble-main", "bird-eu", "sinch-app", "rasayel-main");
        SourceConfig treble = sources.get("treble-main");
        assertThat(treble.authHeaders()).containsExactly(new SourceConfig.HeaderCredential("Authorization", "Bearer t0k"));
        assertThat(treble.timeZone()).isEqualTo(ZoneId.of("America/Bogota"));
        assertThat(treble.inactivityTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(sources.get("bird-eu").signingKey()).isEqualTo("fallback-key");
        assertThat(sources.get("bird-eu").timestampTolerance()).isNull();
        assertThat(sources.get("sinch-app").secret()).isEqualTo("s3c");
        assertThat(sources.get("sinch-app").timestampTolerance()).isEqualTo(Duration.ofMinutes(5));
        assertThat(sources.get("rasayel-main").token()).isEqualTo("tok");
        assertThat(sources.get("sinch-app").toString()).doesNotContain("s3c");
    }

    @Test
    void missingVariableNamesFileKeyAndVariable() {
        assertThatThrownBy(() -> load("""
                sources:
                  - id: s
                    provider: sinch
                    secret: ${SINCH_SECRET}
                """, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sources.yaml")
                .hasMessageContaining("sources[0].secret")
                .hasMessageContaining("SINCH_SECRET");
    }

    @Test
    void invalidSettingsStopWithFileAndKey() {
        assertThatThrownBy(() -> load("sources:\n  - id: x\n    provider: whatsapp\n", Map.of()))
                .hasMessageContaining("sources[0].provider").hasMessageContaining("unknown provider 'whatsapp'");
        assertThatThrownBy(() -> load("sources:\n  - id: x\n    provider: bird\n", Map.of()))
                .hasMessageContaining("sources[0].signingKey").hasMessageContaining("missing secret");
        assertThatThrownBy(() -> load("sources:\n  - id: x\n    provider: sinch\n    secret: \"${EMPTY:-}\"\n", Map.of()))
                .hasMessageContaining("sources[0].secret").hasMessageContaining("missing secret");
        assertThatThrownBy(() -> load("sources:\n  - id: a\n    provider: rasayel\n    token: t\n  - id: a\n    provider: rasayel\n    token: u\n", Map.of()))
                .hasMessageContaining("sources[1].id").hasMessageContaining("duplicate id 'a'");
        assertThatThrownBy(() -> load("sources:\n  - id: a\n    provider: sinch\n    secret: s\n    signingkey: k\n", Map.of()))
                .hasMessageContaining("sources[0].signingkey").hasMessageContaining("not a setting");
        assertThatThrownBy(() -> load("sources:\n  - id: a\n    provider: sinch\n    secret: s\n    timestampTolerance: soon\n", Map.of()))
                .hasMessageContaining("sources[0].timestampTolerance").hasMessageContaining("not a duration");
        // 0 would refuse every request or close every conversation at once; a negative one is no duration here.
        assertThatThrownBy(() -> load("sources:\n  - id: a\n    provider: sinch\n    secret: s\n    timestampTolerance: 0s\n", Map.of()))
                .hasMessageContaining("sources.yaml").hasMessageContaining("sources[0].timestampTolerance").hasMessageContaining("longer than 0");
        assertThatThrownBy(() -> load("sources:\n  - id: a\n    provider: bird\n    signingKey: k\n    timestampTolerance: 0m\n", Map.of()))
                .hasMessageContaining("sources[0].timestampTolerance").hasMessageContaining("longer than 0");
        assertThatThrownBy(() -> load("sources:\n  - id: a\n    provider: rasayel\n    token: t\n    inactivityTimeout: 0s\n", Map.of()))
                .hasMessageContaining("sources[0].inactivityTimeout").hasMessageContaining("longer than 0");
        assertThatThrownBy(() -> load("sources:\n  - id: a\n    provider: rasayel\n    token: t\n    inactivityTimeout: -PT30M\n", Map.of()))
                .hasMessageContaining("sources[0].inactivityTimeout").hasMessageContaining("'-PT30M' is negative");
        assertThatThrownBy(() -> load("sources:\n  - id: a\n    provider: treble\n", Map.of()))
                .hasMessageContaining("sources[0].auth");
        assertThatThrownBy(() -> load("sources:\n  - id: a/b\n    provider: rasayel\n    token: t\n", Map.of()))
                .hasMessageContaining("sources[0].id");
        assertThatThrownBy(() -> load("nothing: here\n", Map.of())).hasMessageContaining("sources");
        assertThatThrownBy(() -> SourcesFile.load(dir.resolve("absent"), new EnvSubstitution(k -> null)))
                .hasMessageContaining("file not found");
    }

    @Test
    void secretValuesNeverAppearInErrors() {
        assertThatThrownBy(() -> load("sources:\n  - id: a\n    provider: bird\n    signingKey: super-secret-value\n    publicUrl: not a url\n", Map.of()))
                .hasMessageContaining("publicUrl").message().doesNotContain("super-secret-value");
    }
}
