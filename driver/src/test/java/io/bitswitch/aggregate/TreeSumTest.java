package io.bitswitch.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bitswitch.spark.SparkSessions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/** The fixed summation order of {@link TreeSum}, on its own and on Spark. */
class TreeSumTest {
  private static final TreeSum.Adder<float[]> ADD = (into, other) -> {
    for (int i = 0; i < into.length; i++) {
      into[i] += other[i];
    }
    return into;
  };

  /** {@code count} random arrays whose float sums depend on the order of addition. */
  private static List<float[]> randomParts(int count, long seed) {
    Random r = new Random(seed);
    List<float[]> parts = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      float[] a = new float[257];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
      }
      parts.add(a);
    }
    return parts;
  }

  private static List<float[]> copies(List<float[]> parts) {
    return parts.stream().map(float[]::clone).toList();
  }

  /** Plain left-to-right sum. */
  private static float[] indexOrder(List<float[]> parts) {
    float[] total = parts.get(0).clone();
    for (int p = 1; p < parts.size(); p++) {
      ADD.add(total, parts.get(p));
    }
    return total;
  }

  @Test
  void upToTheFanInTheTreeIsThePlainIndexOrderSum() {
    for (int n = 1; n <= TreeSum.FAN_IN; n++) {
      List<float[]> parts = randomParts(n, n);
      assertArrayEquals(indexOrder(parts), TreeSum.sequential(copies(parts), ADD), "n=" + n);
    }
  }

  @Test
  void aboveTheFanInGroupsOfFourAreAddedInIndexOrderLevelByLevel() {
    // 17 = four full groups and one of one; the five group sums make two groups; those two are added last.
    List<float[]> parts = randomParts(17, 17);
    List<float[]> level1 = new ArrayList<>();
    for (int g = 0; g < 5; g++) {
      level1.add(indexOrder(parts.subList(4 * g, Math.min(4 * g + 4, 17))));
    }
    float[] expected = indexOrder(List.of(indexOrder(level1.subList(0, 4)), level1.get(4)));
    assertArrayEquals(expected, TreeSum.sequential(copies(parts), ADD));
    assertEquals(5, TreeSum.groups(17));
    assertEquals(2, TreeSum.groups(5));
  }

  @Test
  void aGroupIsAddedInIndexOrderWhateverOrderItsMembersArriveIn() {
    List<float[]> parts = randomParts(TreeSum.FAN_IN, 5);
    List<Tuple2<Integer, float[]>> arrived = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      arrived.add(new Tuple2<>(i, parts.get(i).clone()));
    }
    Collections.shuffle(arrived, new Random(3));
    assertArrayEquals(indexOrder(parts), TreeSum.inIndexOrder(arrived.iterator(), ADD));
  }

  /**
   * On Spark, for 1..17 partial sums (one per partition): bit for bit the single-threaded tree, and
   * on small integers (exact in float, so any order gives the same sum) the true sum, so no
   * partial sum is lost or counted twice.
   */
  @Test
  void onSparkTheTreeSumEqualsTheSingleThreadedTreeBitForBitForOneToSeventeenParts() {
    SparkSession spark = SparkSessions.create("local[2]", "bitswitch-tree-sum", Map.of());
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      for (int n = 1; n <= 17; n++) {
        List<float[]> parts = randomParts(n, 100 + n);
        float[] distributed = TreeSum.sum(sc.parallelize(copies(parts), n), ADD);
        assertArrayEquals(TreeSum.sequential(copies(parts), ADD), distributed, "n=" + n);

        List<float[]> exact = new ArrayList<>();
        float[] expected = new float[3];
        for (int p = 0; p < n; p++) {
          float[] a = {p, 1, p * p};
          exact.add(a);
          ADD.add(expected, a);
        }
        assertArrayEquals(expected, TreeSum.sum(sc.parallelize(exact, n), ADD), "n=" + n);

        // sumOf: a function of each partition's element, then the same tree (one direct job up to FAN_IN).
        float[] ofScaled = TreeSum.sumOf(sc.parallelize(copies(parts), n), new Halved(), ADD);
        assertArrayEquals(TreeSum.sequential(copies(parts).stream().map(new Halved()::call).toList(), ADD), ofScaled,
            "n=" + n);
      }
      // A partition must hold exactly one element.
      org.apache.spark.SparkException two = org.junit.jupiter.api.Assertions.assertThrows(
          org.apache.spark.SparkException.class,
          () -> TreeSum.sumOf(sc.parallelize(randomParts(4, 7), 2), new Halved(), ADD));
      org.junit.jupiter.api.Assertions.assertTrue(two.getMessage().contains("has more than one element"),
          two::getMessage);
    } finally {
      spark.stop();
    }
  }

  /** Each element halved (exactly, so the expected sums follow the same order of additions). */
  private static final class Halved implements org.apache.spark.api.java.function.Function<float[], float[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public float[] call(float[] a) {
      float[] h = new float[a.length];
      for (int i = 0; i < a.length; i++) {
        h[i] = a[i] / 2;
      }
      return h;
    }
  }
}
