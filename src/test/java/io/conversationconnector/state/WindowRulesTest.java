package io.conversationconnector.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WindowRulesTest {
    static final Instant INBOUND = Instant.parse("2025-11-20T14:00:00Z");

    static WindowRules.Facts facts(Instant inbound, Instant providerExpires, Instant closedReported, Instant fepStart, Instant fepEnd) {
        return new WindowRules.Facts("s", inbound, providerExpires, closedReported, fepStart, fepEnd, null);
    }

    /** now relative to the last inbound message → open?, seconds left. */
    static Stream<Arguments> customerServiceBoundaries() {
        return Stream.of(
                Arguments.of("at the inbound message", 0L, true, 86_400L),
                Arguments.of("one second later", 1L, true, 86_399L),
                Arguments.of("23h59m59s later", 86_399L, true, 1L),
                Arguments.of("exactly 24h later", 86_400L, false, 0L),
                Arguments.of("24h and 1s later", 86_401L, false, 0L),
                Arguments.of("a week later", 604_800L, false, 0L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("customerServiceBoundaries")
    void customerServiceWindowIs24hFromTheLastInboundMessage(String name, long secondsAfter, boolean open, long left) {
        WindowRules.View v = WindowRules.evaluate(facts(INBOUND, null, null, null, null), INBOUND.plusSeconds(secondsAfter));
        assertThat(v.open()).isEqualTo(open);
        assertThat(v.secondsLeft()).isEqualTo(left);
        assertThat(v.expiresAt()).isEqualTo(Instant.parse("2025-11-21T14:00:00Z"));
        assertThat(v.kind()).isEqualTo("customer_service");
    }

    @Test
    void timeZonesDoNotMatterOnlyInstantsDo() {
        // 09:00 in Bogota (UTC-5) and 15:00 in Madrid (UTC+1) are the same instant as 14:00Z.
        Instant bogota = OffsetDateTime.parse("2025-11-20T09:00:00-05:00").toInstant();
        Instant madridNow = OffsetDateTime.parse("2025-11-21T14:59:59+01:00").toInstant();
        WindowRules.View v = WindowRules.evaluate(facts(bogota, null, null, null, null), madridNow);
        assertThat(v.open()).isTrue();
        assertThat(v.secondsLeft()).isEqualTo(1);
        assertThat(WindowRules.evaluate(facts(bogota, null, null, null, null), madridNow.plusSeconds(1)).open()).isFalse();
    }

    @Test
    void noInboundMessageMeansNoWindow() {
        WindowRules.View v = WindowRules.evaluate(facts(null, null, null, null, null), INBOUND);
        assertThat(v.open()).isFalse();
        assertThat(v.expiresAt()).isNull();
    }

    @Test
    void providerReportedExpiryCountsWhenItIsLater() {
        Instant provider = INBOUND.plusSeconds(90_000); // Rasayel says 25h
        WindowRules.View v = WindowRules.evaluate(facts(INBOUND, provider, null, null, null), INBOUND.plusSeconds(86_500));
        assertThat(v.open()).isTrue();
        assertThat(v.expiresAt()).isEqualTo(provider);
        // Provider expiry alone (no inbound message seen here) is enough.
        assertThat(WindowRules.evaluate(facts(null, provider, null, null, null), INBOUND).open()).isTrue();
    }

    @Test
    void aProviderReportOfAClosedWindowWinsUntilANewerInboundMessage() {
        Instant failedAt = INBOUND.plusSeconds(3_600); // an out-of-window failure 1h after our last inbound
        WindowRules.View closed = WindowRules.evaluate(facts(INBOUND, null, failedAt, null, null), failedAt.plusSeconds(1));
        assertThat(closed.open()).isFalse();
        assertThat(closed.closedByProvider()).isTrue();
        // A newer inbound message reopens it.
        Instant newer = failedAt.plusSeconds(60);
        assertThat(WindowRules.evaluate(facts(newer, null, failedAt, null, null), newer.plusSeconds(10)).open()).isTrue();
    }

    @Test
    void freeEntryPointWindowIs72h() {
        Instant start = INBOUND;
        Instant end = start.plus(WindowRules.FREE_ENTRY_POINT);
        WindowRules.View justBefore = WindowRules.evaluate(facts(null, null, null, start, end), end.minusSeconds(1));
        assertThat(justBefore.freeEntryPoint()).isNotNull();
        assertThat(justBefore.freeEntryPoint().secondsLeft()).isEqualTo(1);
        assertThat(justBefore.open()).as("FEP does not open the customer-service window").isFalse();
        assertThat(WindowRules.evaluate(facts(null, null, null, start, end), end).freeEntryPoint()).isNull();
        assertThat(end).isEqualTo(Instant.parse("2025-11-23T14:00:00Z"));
    }
}
