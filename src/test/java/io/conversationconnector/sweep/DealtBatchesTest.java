package io.conversationconnector.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** A find's candidates are dealt into batches round-robin, so neighbours (often rows of one heap page) part. */
class DealtBatchesTest {
    @Test
    void everyCandidateOnceNoBatchTooBigNeighboursApart() {
        List<Integer> found = IntStream.range(0, 2003).boxed().toList();
        List<List<Integer>> batches = Sweeps.dealt(found, 500);
        assertThat(batches).hasSize(5);
        assertThat(batches).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(500));
        List<Integer> all = new ArrayList<>();
        batches.forEach(all::addAll);
        assertThat(all).containsExactlyInAnyOrderElementsOf(found);
        assertThat(batches.get(0)).startsWith(0, 5, 10);
        assertThat(batches.get(1)).startsWith(1, 6, 11);
    }

    @Test
    void fewerThanABatchIsOneBatchInOrder() {
        assertThat(Sweeps.dealt(List.of(3, 1, 2), 500)).containsExactly(List.of(3, 1, 2));
        assertThat(Sweeps.dealt(List.of(), 500)).isEmpty();
    }
}
