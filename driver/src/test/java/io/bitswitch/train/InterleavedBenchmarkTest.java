package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bitswitch.InvalidInputException;
import io.bitswitch.train.InterleavedBenchmark.Measurement;
import io.bitswitch.train.InterleavedBenchmark.Row;
import io.bitswitch.train.InterleavedBenchmark.Series;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Round r of every measurement before round r+1 of any; medians, ranges and round-by-round ratios. */
class InterleavedBenchmarkTest {
  /** A measurement that records when it ran and returns {@code base + round} per row. */
  private static Measurement recording(String name, List<String> order, double base, String... rows) {
    return new Measurement() {
      @Override
      public List<Row> rows() {
        List<Row> r = new ArrayList<>();
        for (String row : rows) {
          r.add(new Row(row, row, "img/s"));
        }
        return r;
      }

      @Override
      public double[] round(int round) {
        order.add(name + round);
        double[] v = new double[rows.length];
        for (int k = 0; k < v.length; k++) {
          v[k] = base + round + k;
        }
        return v;
      }
    };
  }

  @Test
  void runsRoundByRoundAndKeepsEveryRowsSeries() throws Exception {
    List<String> order = new ArrayList<>();
    StringWriter log = new StringWriter();
    Map<String, Series> r = InterleavedBenchmark.run(List.of(recording("a", order, 10, "a"),
        recording("b", order, 100, "b1", "b2")), 3, new PrintWriter(log));
    assertEquals(List.of("a0", "b0", "a1", "b1", "a2", "b2"), order);
    assertEquals(List.of("a", "b1", "b2"), List.copyOf(r.keySet()));
    assertArrayEquals(new double[] {101, 102, 103}, r.get("b2").values());
    assertEquals(11, r.get("a").median());
    assertEquals(10, r.get("a").min());
    assertEquals(12, r.get("a").max());
    Series ratio = r.get("b1").over(r.get("a"), new Row("q", "q", ""));
    assertArrayEquals(new double[] {10, 101.0 / 11, 102.0 / 12}, ratio.values(), 1e-12);
    // per round: a start line and a value line per row for a (1 + 1) and b (1 + 2)
    assertEquals(3 * (2 + 3), log.toString().lines().count(), log.toString());
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertEquals(2.5, new Series(new Row("k", "k", ""), new double[] {4, 1, 3, 2}).median());
  }

  @Test
  void needsAtLeastOneRound() {
    PrintWriter log = new PrintWriter(new StringWriter());
    assertThrows(InvalidInputException.class, () -> InterleavedBenchmark.run(List.of(), 0, log));
  }
}
