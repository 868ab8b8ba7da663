package io.bitswitch.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardLayoutTest {

  @Test
  void blocksAreContiguousCoverEveryExampleAndDifferByAtMostOne() {
    for (long n = 1; n <= 60; n++) {
      for (int parts = 1; parts <= 12; parts++) {
        assertEquals(0, ShardLayout.start(0, n, parts));
        assertEquals(n, ShardLayout.start(parts, n, parts));
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int p = 0; p < parts; p++) {
          min = Math.min(min, ShardLayout.size(p, n, parts));
          max = Math.max(max, ShardLayout.size(p, n, parts));
        }
        assertTrue(max - min <= 1, "n=" + n + " P=" + parts);
        for (long i = 0; i < n; i++) {
          int p = ShardLayout.partitionOf(i, n, parts);
          assertTrue(ShardLayout.start(p, n, parts) <= i && i < ShardLayout.start(p + 1, n, parts),
              "n=" + n + " P=" + parts + " i=" + i);
        }
      }
    }
  }

  @Test
  void largeDatasetsDoNotOverflow() {
    long n = 3_000_000_000L;
    assertEquals(n, ShardLayout.start(1000, n, 1000));
    assertEquals(999, ShardLayout.partitionOf(n - 1, n, 1000));
  }
}
