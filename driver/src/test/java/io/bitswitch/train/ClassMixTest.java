package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClassMixTest {
  @Test
  void labelSortedPartitionsAreNamed() {
    // Two partitions of a label-sorted index over 4 classes: classes 0-1 in one, 2-3 in the other.
    Optional<String> w = ClassMix.warning(List.of(new long[] {500, 500, 0, 0}, new long[] {0, 0, 500, 500}));
    assertTrue(w.isPresent());
    assertTrue(w.get().startsWith("training partition 0 of 2 has no example of 2 of the 4 classes"), w.get());
  }

  @Test
  void mixedPartitionsPass() {
    assertEquals(Optional.empty(), ClassMix.warning(List.of(new long[] {250, 240, 260, 250},
        new long[] {250, 260, 240, 250})));
  }

  @Test
  void rareClassesAndTinyPartitionsMayBeMissing() {
    // Class 3 is 0.5 % of the data: missing from a partition by chance is no sign of sorting.
    assertEquals(Optional.empty(), ClassMix.warning(List.of(new long[] {330, 330, 330, 10}, new long[] {330, 330,
        340, 0})));
    // Eight examples per partition cannot hold ten classes each.
    assertEquals(Optional.empty(), ClassMix.warning(List.of(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0},
        new long[] {0, 0, 1, 1, 1, 1, 1, 1, 1, 1})));
  }

  @Test
  void onePartitionHasNothingToCompare() {
    assertEquals(Optional.empty(), ClassMix.warning(List.<long[]>of(new long[] {100, 0})));
  }
}
