package io.bitswitch.train;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Repeated measurements run interleaved: round r of every measurement before round r+1 of any, so
 * that drift of a shared machine (other jobs, thermal state) hits all of them alike and the ratios
 * of one round compare like with like. {@code bitswitch benchmark} reports the median and range of
 * the rounds.
 */
public final class InterleavedBenchmark {
  private InterleavedBenchmark() {}

  /**
   * One reported quantity.
   *
   * @param key stable name the report looks rows up by
   * @param label what was measured, for people
   * @param unit e.g. {@code img/s}
   */
  public record Row(String key, String label, String unit) {}

  /** Something measured once per round; it may report several rows (one process measuring two things). */
  public interface Measurement {
    /** Its rows, in the order {@link #round} returns their values. */
    List<Row> rows();

    /**
     * One round: its own warm-up, then the timed part.
     *
     * @param round 0-based round number
     * @return one rate per row, each &gt; 0
     */
    double[] round(int round) throws Exception;
  }

  /**
   * A row's values, one per round.
   *
   * @param values in round order
   */
  public record Series(Row row, double[] values) {
    /** The median (the mean of the middle two for an even count). */
    public double median() {
      double[] s = values.clone();
      Arrays.sort(s);
      int n = s.length;
      return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** The smallest value. */
    public double min() {
      return Arrays.stream(values).min().orElse(Double.NaN);
    }

    /** The largest value. */
    public double max() {
      return Arrays.stream(values).max().orElse(Double.NaN);
    }

    /** Round by round this series over {@code other} (the same number of rounds). */
    public Series over(Series other, Row ratio) {
      double[] r = new double[values.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = values[i] / other.values[i];
      }
      return new Series(ratio, r);
    }
  }

  /**
   * Runs {@code rounds} rounds of every measurement, in list order within a round.
   *
   * @param log one progress line per measurement and round
   * @return every row's series by {@link Row#key}, in measurement and row order
   */
  public static Map<String, Series> run(List<Measurement> measurements, int rounds, PrintWriter log) throws Exception {
    if (rounds < 1) {
      throw new io.bitswitch.InvalidInputException("the number of rounds must be at least 1, got " + rounds);
    }
    List<List<double[]>> values = new ArrayList<>();
    for (Measurement m : measurements) {
      values.add(new ArrayList<>());
    }
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < measurements.size(); i++) {
        Measurement m = measurements.get(i);
        List<Row> rows = m.rows();
        log.printf(Locale.ROOT, "round %d/%d: %s...%n", r + 1, rounds, rows.get(0).label());
        log.flush();
        long t0 = System.nanoTime();
        double[] v = m.round(r);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (v.length != rows.size()) {
          throw new IllegalStateException(rows.get(0).label() + " returned " + v.length + " values for "
              + rows.size() + " rows");
        }
        for (int k = 0; k < v.length; k++) {
          log.printf(Locale.ROOT, "round %d/%d: %s %.0f %s (%.0f s with its warm-up)%n", r + 1, rounds,
              rows.get(k).label(), v[k], rows.get(k).unit(), seconds);
        }
        log.flush();
        values.get(i).add(v);
      }
    }
    Map<String, Series> out = new LinkedHashMap<>();
    for (int i = 0; i < measurements.size(); i++) {
      List<Row> rows = measurements.get(i).rows();
      for (int k = 0; k < rows.size(); k++) {
        double[] series = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          series[r] = values.get(i).get(r)[k];
        }
        out.put(rows.get(k).key(), new Series(rows.get(k), series));
      }
    }
    return out;
  }
}
