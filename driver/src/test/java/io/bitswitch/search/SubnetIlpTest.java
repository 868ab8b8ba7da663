package io.bitswitch.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The ILP against exhaustive enumeration on small random instances and against an exact dynamic
 * program on larger ones, the exact budget arithmetic, the extremes, monotonicity and bad input.
 */
class SubnetIlpTest {
  static final int[][] BIT_SETS = {{8, 6, 4, 2}, {8, 4}, {6, 5, 3}, {2, 7, 3}, {8}};
  static final double REL_TOL = 1e-9;

  // ---------------------------------------------------------------- random instances

  /**
   * Layers with the spread of real inputs: counts over 5 decades, traces 1e-4..1e1, errors
   * 1e-6..1e2 growing ~4× per bit removed and 0 at the highest width. {@code small} draws tiny
   * counts instead, so that many budgets sit exactly on a configuration's usage.
   */
  static List<LayerCost> randomLayers(Random rnd, int count, int[] bits, boolean small) {
    int h = Arrays.stream(bits).max().orElseThrow();
    List<LayerCost> layers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long params = small ? 1 + rnd.nextInt(4) : Math.round(Math.pow(10, 1 + 5 * rnd.nextDouble()));
      long macs = small ? 1 + rnd.nextInt(4) : params * (rnd.nextBoolean() ? 1 : 1 + rnd.nextInt(700));
      double trace = rnd.nextInt(12) == 0 ? 0 : Math.pow(10, -4 + 5 * rnd.nextDouble());
      double base = Math.pow(10, -6 + 4 * rnd.nextDouble());
      Map<Integer, Double> e = new HashMap<>();
      for (int b : bits) {
        e.put(b, b == h ? 0 : base * Math.pow(4, h - b) * (0.5 + rnd.nextDouble()));
      }
      layers.add(new LayerCost("layer" + i, params, macs, trace, e));
    }
    return layers;
  }

  /** min B, max B, the integers between and a few random budgets with 3 decimals. */
  static double[] budgets(Random rnd, int[] bits, int randomOnes) {
    int lo = Arrays.stream(bits).min().orElseThrow();
    int hi = Arrays.stream(bits).max().orElseThrow();
    TreeSet<Double> set = new TreeSet<>();
    for (int b = lo; b <= hi; b++) {
      set.add((double) b);
    }
    for (int i = 0; i < randomOnes; i++) {
      set.add(Math.round((lo + (hi - lo) * rnd.nextDouble()) * 1000) / 1000.0);
    }
    return set.stream().mapToDouble(Double::doubleValue).toArray();
  }

  // ---------------------------------------------------------------- independent references

  static long weight(LayerCost l, BudgetKind kind) {
    return switch (kind) {
      case SIZE -> l.params();
      case AVERAGE_BITS -> 1;
      case BITOPS -> l.macs();
    };
  }

  static int power(BudgetKind kind) {
    return kind == BudgetKind.BITOPS ? 2 : 1;
  }

  /** Σ w_l·b_l^p ≤ ω^p·Σ w_l, in exact decimal arithmetic with ω as printed. */
  static boolean fitsExactly(List<LayerCost> layers, int[] config, BudgetKind kind, double budget) {
    BigDecimal lhs = BigDecimal.ZERO;
    BigDecimal total = BigDecimal.ZERO;
    for (int l = 0; l < config.length; l++) {
      BigDecimal w = BigDecimal.valueOf(weight(layers.get(l), kind));
      lhs = lhs.add(w.multiply(BigDecimal.valueOf(config[l]).pow(power(kind))));
      total = total.add(w);
    }
    return lhs.compareTo(BigDecimal.valueOf(budget).pow(power(kind)).multiply(total)) <= 0;
  }

  static double objective(List<LayerCost> layers, int[] config) {
    double sum = 0;
    for (int l = 0; l < config.length; l++) {
      sum += layers.get(l).tracePerParam() * layers.get(l).perturbation().get(config[l]);
    }
    return sum;
  }

  record Best(double objective, int[] config, boolean unique) {}

  static Best bruteForce(List<LayerCost> layers, int[] bits, BudgetKind kind, double budget) {
    int count = layers.size();
    int[] config = new int[count];
    double best = Double.POSITIVE_INFINITY;
    double second = Double.POSITIVE_INFINITY;
    int[] arg = null;
    long all = (long) Math.pow(bits.length, count);
    for (long code = 0; code < all; code++) {
      long c = code;
      for (int l = 0; l < count; l++) {
        config[l] = bits[(int) (c % bits.length)];
        c /= bits.length;
      }
      if (!fitsExactly(layers, config, kind, budget)) {
        continue;
      }
      double v = objective(layers, config);
      if (v < best) {
        second = best;
        best = v;
        arg = config.clone();
      } else if (v < second) {
        second = v;
      }
    }
    return new Best(best, arg, second > best * (1 + REL_TOL));
  }

  static int[] bitsOf(List<LayerCost> layers, Selection s) {
    assertEquals(layers.stream().map(LayerCost::name).toList(), List.copyOf(s.layerBits().keySet()),
        "layer order");
    return layers.stream().mapToInt(l -> s.layerBits().get(l.name())).toArray();
  }

  /** The selection's figures recomputed from its configuration in long arithmetic. */
  static void assertConsistent(List<LayerCost> layers, Selection s) {
    int[] config = bitsOf(layers, s);
    long size = 0;
    long ops = 0;
    long sum = 0;
    for (int l = 0; l < config.length; l++) {
      size += layers.get(l).params() * config[l];
      ops += layers.get(l).macs() * config[l] * config[l];
      sum += config[l];
    }
    assertEquals(size, s.sizeBits());
    assertEquals(ops, s.bitOps());
    assertEquals((double) sum / config.length, s.averageBits());
    assertEquals(objective(layers, config), s.objective());
  }

  // ---------------------------------------------------------------- tests

  @Test
  void equalsBruteForceOnRandomSmallInstances() {
    Random rnd = new Random(20261126L);
    int solved = 0;
    int compared = 0;
    for (int instance = 0; instance < 36; instance++) {
      int[] bits = BIT_SETS[instance % BIT_SETS.length];
      int count = 1 + instance % 6;
      List<LayerCost> layers = randomLayers(rnd, count, bits, instance % 4 == 3);
      for (BudgetKind kind : BudgetKind.values()) {
        double[] budgets = budgets(rnd, bits, 4);
        List<Selection> sweep = SubnetIlp.sweep(layers, bits, kind, budgets);
        assertEquals(budgets.length, sweep.size());
        for (int i = 0; i < budgets.length; i++) {
          Selection s = sweep.get(i);
          String where = "instance " + instance + " " + kind + " ω=" + budgets[i] + " " + layers;
          Best best = bruteForce(layers, bits, kind, budgets[i]);
          int[] config = bitsOf(layers, s);
          assertEquals(budgets[i], s.budget());
          assertTrue(fitsExactly(layers, config, kind, budgets[i]), "infeasible: " + where);
          assertTrue(SubnetIlp.fits(layers, s.layerBits(), kind, budgets[i]), where);
          assertConsistent(layers, s);
          assertEquals(best.objective(), s.objective(), REL_TOL * best.objective(), where);
          if (best.unique()) {
            assertArrayEquals(best.config(), config, where);
            compared++;
          }
          solved++;
        }
      }
    }
    assertTrue(solved > 500 && compared > solved / 3, solved + " solved, " + compared + " unique");
  }

  /**
   * 10..14 layers (fmnist-cnn to resnet20 size), beyond enumeration: an exact dynamic program over the integer
   * budget usage (small counts keep its table small) is the reference.
   */
  @Test
  void equalsDynamicProgramOnLargerInstances() {
    Random rnd = new Random(7L);
    for (int instance = 0; instance < 3; instance++) {
      int[] bits = BIT_SETS[instance];
      List<LayerCost> layers = new ArrayList<>();
      for (LayerCost l : randomLayers(rnd, 10 + 2 * instance, bits, false)) {
        layers.add(new LayerCost(l.name(), 1 + rnd.nextInt(40), 1 + rnd.nextInt(20), l.tracePerParam(),
            l.perturbation()));
      }
      for (BudgetKind kind : BudgetKind.values()) {
        for (double budget : budgets(rnd, bits, 1)) {
          if (budget != Math.rint(budget) && kind != BudgetKind.SIZE) {
            continue; // keep the test fast: fractional budgets only for SIZE
          }
          Selection s = SubnetIlp.solve(layers, bits, kind, budget);
          double reference = dynamicProgram(layers, bits, kind, budget);
          assertTrue(fitsExactly(layers, bitsOf(layers, s), kind, budget));
          assertEquals(reference, s.objective(), REL_TOL * reference + 1e-300,
              "instance " + instance + " " + kind + " ω=" + budget);
        }
      }
    }
  }

  /** min Σ cost over configurations with Σ w·b^p ≤ floor(ω^p·Σw), by DP over the usage. */
  static double dynamicProgram(List<LayerCost> layers, int[] bits, BudgetKind kind, double budget) {
    long total = layers.stream().mapToLong(l -> weight(l, kind)).sum();
    int cap = BigDecimal.valueOf(budget).pow(power(kind)).multiply(BigDecimal.valueOf(total))
        .setScale(0, java.math.RoundingMode.FLOOR).intValueExact();
    double[] best = new double[cap + 1];
    Arrays.fill(best, Double.POSITIVE_INFINITY);
    best[0] = 0;
    for (LayerCost l : layers) {
      double[] next = new double[cap + 1];
      Arrays.fill(next, Double.POSITIVE_INFINITY);
      for (int used = 0; used <= cap; used++) {
        if (best[used] == Double.POSITIVE_INFINITY) {
          continue;
        }
        for (int b : bits) {
          long u = used + weight(l, kind) * (power(kind) == 2 ? b * b : b);
          if (u <= cap) {
            next[(int) u] = Math.min(next[(int) u], best[used] + l.tracePerParam() * l.perturbation().get(b));
          }
        }
      }
      best = next;
    }
    return Arrays.stream(best).min().orElseThrow();
  }

  /** Large counts: right-hand sides near 1e12, where a relative solver tolerance would be ≥ 1 unit. */
  @Test
  void respectsBudgetExactlyWithLargeCounts() {
    Random rnd = new Random(99L);
    int[] bits = {8, 6, 4, 2};
    for (int instance = 0; instance < 3; instance++) {
      List<LayerCost> layers = new ArrayList<>();
      for (LayerCost l : randomLayers(rnd, 9, bits, false)) {
        long params = 1_000_000L + rnd.nextInt(50_000_000);
        layers.add(new LayerCost(l.name(), params, params * (1 + rnd.nextInt(400)), l.tracePerParam(),
            l.perturbation()));
      }
      for (BudgetKind kind : BudgetKind.values()) {
        double[] budgets = budgets(rnd, bits, 6);
        for (Selection s : SubnetIlp.sweep(layers, bits, kind, budgets)) {
          assertTrue(fitsExactly(layers, bitsOf(layers, s), kind, s.budget()), kind + " ω=" + s.budget());
          assertConsistent(layers, s);
        }
      }
    }
  }

  /** A budget exactly equal to a configuration's usage admits it; one unit less does not. */
  @Test
  void budgetBoundaryIsInclusiveAndExact() {
    Map<Integer, Double> e = Map.of(8, 0.0, 4, 1.0);
    // 3 layers of 10 params: size 8·10 + 8·10 + 4·10 = 200 bits → ω = 200/30, not a finite decimal;
    // the double 6.666666666666667 lies above 20/3, so the mix fits...
    List<LayerCost> three = List.of(new LayerCost("a", 10, 1, 1, e), new LayerCost("b", 10, 1, 2, e),
        new LayerCost("c", 10, 1, 3, e));
    Selection s = SubnetIlp.solve(three, new int[] {8, 4}, BudgetKind.SIZE, 6.666666666666667);
    assertEquals(Map.of("a", 4, "b", 8, "c", 8), s.layerBits());
    assertEquals(200, s.sizeBits());
    // ...while 6.666666666666666 is read as the decimal below 20/3: only all-4 and one 8 fit (160 bits).
    s = SubnetIlp.solve(three, new int[] {8, 4}, BudgetKind.SIZE, 6.666666666666666);
    assertEquals(Map.of("a", 4, "b", 4, "c", 8), s.layerBits());
    // Decimal reading: ω = 5.3 over 1 + 9 params allows 53 bits exactly (8 + 9·5), although the
    // double 5.3 is just below 53/10; reading it in binary would floor to 52 and give (5, 5).
    List<LayerCost> two = List.of(new LayerCost("a", 1, 1, 1, Map.of(8, 0.0, 5, 1.0, 3, 3.0)),
        new LayerCost("b", 9, 1, 1, Map.of(8, 0.0, 5, 1.0, 3, 100.0)));
    s = SubnetIlp.solve(two, new int[] {8, 5, 3}, BudgetKind.SIZE, 5.3);
    assertEquals(Map.of("a", 8, "b", 5), s.layerBits());
    assertEquals(53, s.sizeBits());
    s = SubnetIlp.solve(two, new int[] {8, 5, 3}, BudgetKind.SIZE, 5.299);
    assertEquals(Map.of("a", 5, "b", 5), s.layerBits());
    assertEquals(2.0, s.objective());
  }

  @Test
  void extremesGiveUniformConfigurations() {
    Random rnd = new Random(3L);
    for (int[] bits : BIT_SETS) {
      int lo = Arrays.stream(bits).min().orElseThrow();
      int hi = Arrays.stream(bits).max().orElseThrow();
      List<LayerCost> layers = randomLayers(rnd, 7, bits, false);
      for (BudgetKind kind : BudgetKind.values()) {
        List<Selection> s = SubnetIlp.sweep(layers, bits, kind, new double[] {hi, lo});
        assertTrue(s.get(0).layerBits().values().stream().allMatch(b -> b == hi), kind + " " + s.get(0));
        assertEquals(0.0, s.get(0).objective());
        assertTrue(s.get(1).layerBits().values().stream().allMatch(b -> b == lo), kind + " " + s.get(1));
        assertEquals(lo, s.get(1).averageBits());
      }
    }
  }

  @Test
  void largerBudgetNeverCostsMore() {
    Random rnd = new Random(11L);
    int[] bits = {8, 6, 4, 2};
    List<LayerCost> layers = randomLayers(rnd, 8, bits, false);
    double[] budgets = new double[13];
    for (int i = 0; i < budgets.length; i++) {
      budgets[i] = 2 + i / 2.0;
    }
    for (BudgetKind kind : BudgetKind.values()) {
      List<Selection> sweep = SubnetIlp.sweep(layers, bits, kind, budgets);
      for (int i = 1; i < sweep.size(); i++) {
        assertTrue(sweep.get(i).objective() <= sweep.get(i - 1).objective(),
            kind + " " + sweep.get(i - 1) + " → " + sweep.get(i));
      }
      assertEquals(0.0, sweep.get(sweep.size() - 1).objective());
    }
  }

  @Test
  void sweepKeepsOrderAndRepeats() {
    List<LayerCost> layers = randomLayers(new Random(5L), 4, new int[] {8, 4}, false);
    double[] budgets = {8, 4, 6, 6, 4};
    List<Selection> sweep = SubnetIlp.sweep(layers, new int[] {4, 8}, BudgetKind.AVERAGE_BITS, budgets);
    assertEquals(5, sweep.size());
    for (int i = 0; i < budgets.length; i++) {
      assertEquals(budgets[i], sweep.get(i).budget());
    }
    assertEquals(sweep.get(2).layerBits(), sweep.get(3).layerBits());
    assertEquals(sweep.get(1), sweep.get(4));
  }

  @Test
  void evaluateMeasuresBaselines() {
    Map<Integer, Double> e = Map.of(8, 0.0, 4, 2.0, 2, 10.0);
    List<LayerCost> layers = List.of(new LayerCost("conv1", 100, 5000, 0.5, e),
        new LayerCost("fc", 300, 300, 2.0, e));
    Map<String, Integer> config = new LinkedHashMap<>();
    config.put("conv1", 4);
    config.put("fc", 2);
    Selection s = SubnetIlp.evaluate(layers, config, BudgetKind.BITOPS, 3.0);
    assertEquals(List.of("conv1", "fc"), List.copyOf(s.layerBits().keySet()));
    assertEquals(100 * 4 + 300 * 2, s.sizeBits());
    assertEquals(5000 * 16 + 300 * 4, s.bitOps());
    assertEquals(3.0, s.averageBits());
    assertEquals(0.5 * 2.0 + 2.0 * 10.0, s.objective());
    assertEquals(3.0, s.budget());
    // 81200 ≤ 9 · 5300 = 47700? no; size 1000 ≤ 3 · 400 yes; mean 3 ≤ 3 yes.
    assertFalse(SubnetIlp.fits(layers, config, BudgetKind.BITOPS, 3.0));
    assertTrue(SubnetIlp.fits(layers, config, BudgetKind.SIZE, 2.5));
    assertFalse(SubnetIlp.fits(layers, config, BudgetKind.SIZE, 2.499));
    assertTrue(SubnetIlp.fits(layers, config, BudgetKind.AVERAGE_BITS, 3.0));
  }

  @Test
  void budgetKindConfigNames() {
    for (BudgetKind k : BudgetKind.values()) {
      assertEquals(k, BudgetKind.fromConfigName(k.configName()));
    }
    assertEquals(List.of("size", "average-bits", "bitops"),
        Arrays.stream(BudgetKind.values()).map(BudgetKind::configName).toList());
    assertMessage(() -> BudgetKind.fromConfigName("flops"), "flops", "size, average-bits, bitops");
  }

  // ---------------------------------------------------------------- bad input

  static void assertMessage(Executable call, String... parts) {
    InvalidInputException e = assertThrows(InvalidInputException.class, call);
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' lacks '" + part + "'");
    }
  }

  @Test
  void rejectsBadInput() {
    int[] bits = {8, 6, 4, 2};
    Map<Integer, Double> e = Map.of(8, 0.0, 6, 0.1, 4, 1.0, 2, 9.0);
    List<LayerCost> layers = List.of(new LayerCost("conv1", 10, 100, 1, e), new LayerCost("fc", 20, 20, 1, e));
    BudgetKind size = BudgetKind.SIZE;

    assertMessage(() -> SubnetIlp.solve(layers, bits, size, 1.99), "1.99", "below the all-lowest",
        "[2, 8]");
    assertMessage(() -> SubnetIlp.solve(layers, bits, BudgetKind.BITOPS, 8.01), "8.01",
        "above the all-highest", "[2, 8]");
    assertMessage(() -> SubnetIlp.solve(layers, new int[] {6, 4}, size, 7), "7.0", "above the all-highest",
        "[4, 6]");
    assertMessage(() -> SubnetIlp.solve(layers, bits, size, Double.NaN), "NaN");
    assertMessage(() -> SubnetIlp.solve(layers, bits, size, Double.POSITIVE_INFINITY), "Infinity", "above");
    // All budgets are checked before any is solved.
    assertMessage(() -> SubnetIlp.sweep(layers, bits, size, new double[] {4, 9}), "9.0", "above");
    assertMessage(() -> SubnetIlp.solve(List.of(), bits, size, 4), "no layers");
    assertMessage(() -> SubnetIlp.solve(List.of(layers.get(0), layers.get(0)), bits, size, 4),
        "duplicate layer name conv1");
    assertMessage(() -> SubnetIlp.solve(List.of(new LayerCost("x", 1, 1, 1, Map.of(8, 0.0, 4, 1.0))), bits,
        size, 4), "layer x", "no perturbation entry", "bit-width 6");
    assertMessage(() -> SubnetIlp.solve(layers, new int[] {8, 1}, size, 4), "1", "2..8");
    assertMessage(() -> SubnetIlp.solve(layers, new int[] {9, 4}, size, 4), "9", "2..8");
    assertMessage(() -> SubnetIlp.solve(layers, new int[] {}, size, 4), "no candidate bit-widths");
    assertMessage(() -> SubnetIlp.solve(layers, new int[] {8, 4, 8}, size, 4), "8", "twice");
    assertMessage(() -> SubnetIlp.solve(List.of(new LayerCost("x", 4, 0, 1, e)), bits, BudgetKind.BITOPS,
        4), "bitops", "multiply-accumulate");

    assertMessage(() -> new LayerCost("x", -1, 1, 1, e), "x", "params", "-1");
    assertMessage(() -> new LayerCost("x", 1, -5, 1, e), "x", "macs", "-5");
    assertMessage(() -> new LayerCost("x", 1, 1, -0.5, e), "x", "tracePerParam", "-0.5");
    assertMessage(() -> new LayerCost("x", 1, 1, Double.NaN, e), "x", "tracePerParam", "NaN");
    assertMessage(() -> new LayerCost("x", 1, 1, 1, Map.of(8, -1.0)), "x", "perturbation at 8", "-1.0");
    assertMessage(() -> new LayerCost(" ", 1, 1, 1, e), "name");

    Map<String, Integer> config = new HashMap<>(Map.of("conv1", 4, "fc", 3));
    assertMessage(() -> SubnetIlp.evaluate(layers, config, size, 4), "fc", "no perturbation entry for 3");
    config.put("fc", 12);
    assertMessage(() -> SubnetIlp.evaluate(layers, config, size, 4), "fc", "12", "2..8");
    config.put("fc", 4);
    config.put("ghost", 4);
    assertMessage(() -> SubnetIlp.evaluate(layers, config, size, 4), "ghost");
    config.remove("ghost");
    config.remove("fc");
    assertMessage(() -> SubnetIlp.evaluate(layers, config, size, 4), "no bit-width for layer fc");
  }
}
