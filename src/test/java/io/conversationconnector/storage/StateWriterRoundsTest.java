package io.conversationconnector.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class StateWriterRoundsTest {
    @Test
    void eachRoundHoldsEveryKeyAtMostOnceInKeyOrder() {
        List<List<String>> rounds = StateWriter.rounds(List.of("b1", "a1", "b2", "c1", "b3", "a2"), s -> s.substring(0, 1));
        assertThat(rounds).hasSize(3);
        assertThat(rounds.get(0)).containsExactly("a1", "b1", "c1");
        assertThat(rounds.get(1)).containsExactly("a2", "b2");
        assertThat(rounds.get(2)).containsExactly("b3");
        assertThat(StateWriter.rounds(List.<String>of(), s -> s)).isEmpty();
    }
}
