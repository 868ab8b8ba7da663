package io.bitswitch.search;

import io.bitswitch.InvalidInputException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.ojalgo.concurrent.Parallelism;
import org.ojalgo.optimisation.Expression;
import org.ojalgo.optimisation.ExpressionsBasedModel;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.Variable;
import org.ojalgo.optimisation.integer.IntegerStrategy;
import org.ojalgo.type.context.NumberContext;

/**
 * Exact mixed-precision subnet search (docs/design/method.md §7): one bit-width b_l ∈ B per quantized layer,
 * minimising the Hessian-weighted quantization error {@code Σ_l t_l·e_l(b_l)} under one budget of
 * {@link BudgetKind}, as a 0/1 integer linear program solved by ojAlgo's branch and bound.
 *
 * <p>Variables x_{l,b} ∈ {0,1} with {@code Σ_b x_{l,b} = 1} per layer; the budget is the single
 * knapsack row {@code Σ_{l,b} w_l·b^p·x_{l,b} ≤ R}.
 *
 * <p><b>Budget rounding.</b> The budget ω is read as the decimal that {@link Double#toString}
 * prints ({@link BigDecimal#valueOf(double)}), so 5.3 means 53/10 and not the binary double just
 * below it. The right-hand side is computed exactly in {@link BigDecimal} and rounded down:
 * {@code R = floor(ω^p · Σ_l w_l)}, i.e. {@code floor(ω·Σn_l)} for SIZE, {@code floor(ω·L)} for
 * AVERAGE_BITS and {@code floor(ω²·ΣMAC_l)} for BITOPS. Flooring loses nothing: the left-hand side
 * is an integer for every configuration, so it is ≤ ω^p·Σw exactly when it is ≤ R. Every solver
 * answer is re-checked against R in {@code long} arithmetic.
 *
 * <p><b>Numerics.</b> The solver sees a normalised objective (coefficients in [0, 1]) and a budget
 * row scaled by a power of two; both keep the optimum unchanged. {@link Selection#objective()} is
 * recomputed from the chosen configuration in the inputs' units. ojAlgo 55.0.1 needed three
 * settings to agree with exhaustive enumeration (see the constants and {@code Problem.solve}): no
 * Gomory cuts, the scaled budget row with a ½-unit margin, and a tight branch-and-bound gap.
 */
public final class SubnetIlp {
  static {
    // ojAlgo's class initialiser prints a hardware-profile notice to System.out on machines it has
    // no profile for; stdout carries the commands' results, so it is silenced for that moment.
    java.io.PrintStream out = System.out;
    System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
    try {
      Class.forName("org.ojalgo.OjAlgoUtils");
    } catch (ClassNotFoundException e) {
      throw new ExceptionInInitializerError(e);
    } finally {
      System.setOut(out);
    }
  }

  /** Bit-widths the quantizers support. */
  static final int MIN_BITS = 2;
  static final int MAX_BITS = 8;
  /**
   * Bound on budget sums: below 2^52 every integer and half-integer is exact in a double, which the
   * solver works in (the right-hand side carries a ½, see {@link Problem#solve}).
   */
  private static final long EXACT_IN_DOUBLE = 1L << 52;
  /**
   * Branch-and-bound gap: ojAlgo's default (7 significant digits, 1e-8 absolute) would stop at a
   * configuration within ~1e-7 of the optimum; the normalised objective lives in [0, L], so 1e-12
   * relative / 1e-13 absolute keeps the answer exact up to double rounding of the LP relaxations.
   */
  private static final NumberContext GAP = NumberContext.of(12, 13);
  /**
   * Gomory mixed-integer cuts off. ojAlgo 55 generated invalid ones on these models (e.g.
   * {@code Σ_l x_{l,3} ≤ 0} on an instance whose optimum has one layer at 3 bits) and returned a
   * wrong "optimal" answer. A cut is only derived from a row whose fractional part f satisfies
   * {@code fractionality < f < 1 − fractionality}, which no f meets at 0.5. The problem is small
   * enough that plain branch and bound needs no cuts.
   */
  private static final IntegerStrategy.GMICutConfiguration NO_CUTS =
      new IntegerStrategy.GMICutConfiguration().withFractionality(0.5);
  /** How far from 0 or 1 a solver value may be and still count as that integer. */
  private static final double INTEGRALITY = 1e-6;

  private SubnetIlp() {}

  /**
   * The configuration of least {@code Σ t_l·e_l(b_l)} within {@code budget}.
   *
   * @param layers the quantized layers, in layer order
   * @param bits the candidate bit-widths B (any order, distinct, each in 2..8)
   * @param kind the budgeted resource
   * @param budget ω in bits, from min(B) (all layers at the lowest width) to max(B) (all highest)
   * @throws InvalidInputException if an input is out of range (see {@link #sweep})
   * @throws IllegalStateException if the solver does not return an integer-optimal configuration
   *     within the budget
   */
  public static Selection solve(List<LayerCost> layers, int[] bits, BudgetKind kind, double budget) {
    return sweep(layers, bits, kind, new double[] {budget}).get(0);
  }

  /**
   * One optimal {@link Selection} per budget, in the order given. Budgets may repeat or lead to the
   * same configuration; every one gets its own entry.
   *
   * @throws InvalidInputException if there are no layers, two layers share a name, a layer lacks
   *     the perturbation of a candidate bit-width, B is empty or has a width outside 2..8 or twice,
   *     every layer has weight 0 for {@code kind} (e.g. no MAC counts for BITOPS), the totals are
   *     too large to be exact in a double, or a budget is NaN or outside [min(B), max(B)]; all
   *     budgets are checked before anything is solved
   * @throws IllegalStateException if the solver does not return an integer-optimal configuration
   *     within the budget
   */
  public static List<Selection> sweep(List<LayerCost> layers, int[] bits, BudgetKind kind,
      double[] budgets) {
    Problem problem = new Problem(layers, bits, kind);
    if (budgets == null) {
      throw new InvalidInputException("the list of budgets is missing");
    }
    long[] rhs = new long[budgets.length];
    for (int i = 0; i < budgets.length; i++) {
      rhs[i] = problem.rightHandSide(budgets[i]);
    }
    List<Selection> out = new ArrayList<>(budgets.length);
    for (int i = 0; i < budgets.length; i++) {
      out.add(problem.solve(budgets[i], rhs[i]));
    }
    return out;
  }

  /**
   * The cost figures of a given configuration, e.g. a uniform-precision or random baseline. The
   * configuration need not fit {@code budget}, which is only recorded (use {@link #fits} to check).
   *
   * @param kind the resource {@code budget} is in; the layers must have non-zero total weight for it,
   *     as {@link #solve} requires
   * @param layerBits bit-width per layer name, one entry for each of {@code layers}, each in 2..8
   *     and present in that layer's perturbation map
   * @throws InvalidInputException if the layers or the configuration are invalid, or the budget NaN
   */
  public static Selection evaluate(List<LayerCost> layers, Map<String, Integer> layerBits,
      BudgetKind kind, double budget) {
    checkLayers(layers);
    checkKind(kind);
    totalWeight(layers, kind);
    if (Double.isNaN(budget)) {
      throw new InvalidInputException("budget is NaN");
    }
    return measure(layers, configuration(layers, layerBits), budget);
  }

  /**
   * Whether a configuration satisfies {@code kind}'s budget ω exactly, with the rounding described
   * in the class comment ({@code Σ w_l·b_l^p ≤ floor(ω^p·Σ w_l)} in long arithmetic). A NaN budget
   * fits nothing; budgets outside [2, 8] are allowed here (they just fit everything or nothing).
   *
   * @throws InvalidInputException if the layers or the configuration are invalid, or every layer
   *     has weight 0 for {@code kind}
   */
  public static boolean fits(List<LayerCost> layers, Map<String, Integer> layerBits, BudgetKind kind,
      double budget) {
    checkLayers(layers);
    checkKind(kind);
    int[] config = configuration(layers, layerBits);
    if (Double.isNaN(budget)) {
      return false;
    }
    long total = totalWeight(layers, kind);
    return usage(layers, config, kind) <= floorBudget(budget, kind, total);
  }

  /** Validated inputs of one search, shared by every budget of a sweep. */
  private static final class Problem {
    final List<LayerCost> layers;
    final BudgetKind kind;
    /** Candidate widths, distinct, highest first. */
    final int[] bits;
    final long totalWeight;
    /** t_l·e_l(bits[j]) in the units of the inputs. */
    final double[][] cost;

    Problem(List<LayerCost> layers, int[] bits, BudgetKind kind) {
      checkLayers(layers);
      checkKind(kind);
      this.layers = List.copyOf(layers);
      this.kind = kind;
      this.bits = candidates(bits);
      for (LayerCost l : layers) {
        for (int b : this.bits) {
          if (!l.perturbation().containsKey(b)) {
            throw new InvalidInputException("layer " + l.name() + " has no perturbation entry for "
                + "candidate bit-width " + b + "; it has " + l.perturbation().keySet().stream().sorted()
                .map(String::valueOf).collect(Collectors.joining(", ", "{", "}")));
          }
        }
      }
      this.totalWeight = totalWeight(layers, kind);
      cost = new double[layers.size()][this.bits.length];
      for (int l = 0; l < layers.size(); l++) {
        LayerCost layer = layers.get(l);
        for (int j = 0; j < this.bits.length; j++) {
          cost[l][j] = layer.tracePerParam() * layer.perturbation().get(this.bits[j]);
          if (Double.isInfinite(cost[l][j])) {
            throw new InvalidInputException("layer " + layer.name() + ": trace × perturbation at "
                + this.bits[j] + " bits overflows a double");
          }
        }
      }
    }

    int highest() {
      return bits[0];
    }

    int lowest() {
      return bits[bits.length - 1];
    }

    /** Checks ω against [min B, max B] and returns R = floor(ω^p·Σw). */
    long rightHandSide(double budget) {
      String range = "; allowed range [" + lowest() + ", " + highest() + "] bits";
      if (Double.isNaN(budget)) {
        throw new InvalidInputException("budget is NaN" + range);
      }
      if (budget < lowest()) {
        throw new InvalidInputException("budget " + budget + " bits (" + kind.configName()
            + ") is below the all-lowest-bit configuration (" + lowest() + " bits)" + range);
      }
      if (budget > highest()) {
        throw new InvalidInputException("budget " + budget + " bits (" + kind.configName()
            + ") is above the all-highest-bit configuration (" + highest() + " bits)" + range);
      }
      return floorBudget(budget, kind, totalWeight);
    }

    Selection solve(double budget, long rhs) {
      int layerCount = layers.size();
      int width = bits.length;
      ExpressionsBasedModel model = new ExpressionsBasedModel();
      // Single-threaded so that ties between optimal configurations resolve the same way every run.
      model.options.integer(IntegerStrategy.newConfigurable().withGapTolerance(GAP)
          .withGMICutConfiguration(NO_CUTS).withParallelism(Parallelism.ONE));

      // Objective, normalised: subtracting each layer's cheapest option is a constant shift (one
      // option per layer is chosen), and dividing by the largest remaining coefficient maps the
      // inputs' many orders of magnitude into [0, 1], where the solver's tolerances are meant.
      double[][] shifted = new double[layerCount][width];
      double scale = 0;
      for (int l = 0; l < layerCount; l++) {
        double min = Arrays.stream(cost[l]).min().orElseThrow();
        for (int j = 0; j < width; j++) {
          shifted[l][j] = cost[l][j] - min;
          scale = Math.max(scale, shifted[l][j]);
        }
      }
      if (scale == 0) {
        scale = 1; // every configuration costs the same; any feasible one is optimal
      }

      // Budget row. Its coefficients count the extra cost over the lowest width (w_l·(b^p − min B^p)
      // ≥ 0, smaller than the raw ones) and are divided by their gcd; flooring the right-hand side
      // after dividing is exact because the left-hand side stays an integer. The row is then scaled
      // by a power of two so its largest coefficient lies in [1, 2): ojAlgo 55's simplex misjudged
      // node feasibility with coefficients of ~1e7 beside the 1s of the choice rows, and powers of
      // two keep every coefficient exact. Finally the right-hand side gets +½ unit: configurations
      // exactly on the budget are then strictly inside (the solver's tolerance rejected some), while
      // one unit over is still ½ unit outside — the integer left-hand side cannot fall in between.
      long[][] extra = new long[layerCount][width];
      long gcd = 0;
      long largest = 0;
      for (int l = 0; l < layerCount; l++) {
        long w = kind.weight(layers.get(l));
        for (int j = 0; j < width; j++) {
          extra[l][j] = w * (kind.cost(bits[j]) - kind.cost(lowest()));
          gcd = gcd(gcd, extra[l][j]);
          largest = Math.max(largest, extra[l][j]);
        }
      }
      long slack = rhs - kind.cost(lowest()) * totalWeight; // ≥ 0 since ω ≥ min B
      Variable[][] x = new Variable[layerCount][width];
      for (int l = 0; l < layerCount; l++) {
        Expression one = model.addExpression("one_" + l).level(1);
        for (int j = 0; j < width; j++) {
          x[l][j] = model.addVariable("x_" + l + "_" + bits[j]).binary().weight(shifted[l][j] / scale);
          one.set(x[l][j], 1);
        }
      }
      if (gcd > 0) { // else a single candidate width: nothing to budget
        int exponent = -Math.getExponent((double) (largest / gcd));
        Expression row = model.addExpression("budget")
            .upper(Math.scalb(Math.floorDiv(slack, gcd) + 0.5, exponent));
        for (int l = 0; l < layerCount; l++) {
          for (int j = 0; j < width; j++) {
            if (extra[l][j] != 0) {
              row.set(x[l][j], Math.scalb((double) (extra[l][j] / gcd), exponent));
            }
          }
        }
      }

      Optimisation.Result result = model.minimise();
      if (!result.getState().isOptimal()) {
        throw new IllegalStateException("ILP solver returned " + result.getState() + " for budget "
            + budget + " (" + kind.configName() + "), not an optimal integer solution");
      }
      int[] config = new int[layerCount];
      for (int l = 0; l < layerCount; l++) {
        int chosen = -1;
        for (int j = 0; j < width; j++) {
          double v = result.doubleValue(model.indexOf(x[l][j]));
          if (Math.abs(v - 1) <= INTEGRALITY && chosen < 0) {
            chosen = j;
          } else if (!(Math.abs(v) <= INTEGRALITY)) {
            throw new IllegalStateException("ILP solver returned x[" + layers.get(l).name() + ", "
                + bits[j] + "] = " + v + " for budget " + budget + "; expected one 1 and otherwise 0");
          }
        }
        if (chosen < 0) {
          throw new IllegalStateException("ILP solver chose no bit-width for layer "
              + layers.get(l).name() + " at budget " + budget);
        }
        config[l] = bits[chosen];
      }
      long used = usage(layers, config, kind);
      if (used > rhs) {
        throw new IllegalStateException("ILP solver returned a configuration using " + used
            + " over the budget's " + rhs + " (" + kind.configName() + ", ω = " + budget + ")");
      }
      return measure(layers, config, budget);
    }
  }

  private static void checkLayers(List<LayerCost> layers) {
    if (layers == null || layers.isEmpty()) {
      throw new InvalidInputException("no layers to choose bit-widths for");
    }
    Set<String> names = new HashSet<>();
    for (LayerCost l : layers) {
      if (l == null) {
        throw new InvalidInputException("layer list contains null");
      }
      if (!names.add(l.name())) {
        throw new InvalidInputException("duplicate layer name " + l.name());
      }
    }
  }

  private static void checkKind(BudgetKind kind) {
    if (kind == null) {
      throw new InvalidInputException("budget kind is missing");
    }
  }

  private static void checkBits(int b, String what) {
    if (b < MIN_BITS || b > MAX_BITS) {
      throw new InvalidInputException(what + " " + b + " is outside the supported range "
          + MIN_BITS + ".." + MAX_BITS);
    }
  }

  /** B validated, distinct, highest first. */
  private static int[] candidates(int[] bits) {
    if (bits == null || bits.length == 0) {
      throw new InvalidInputException("no candidate bit-widths; expected some of " + MIN_BITS + ".."
          + MAX_BITS);
    }
    for (int b : bits) {
      checkBits(b, "candidate bit-width");
    }
    int[] sorted = Arrays.stream(bits).boxed().sorted((a, b) -> b - a).mapToInt(Integer::intValue)
        .toArray();
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] == sorted[i - 1]) {
        throw new InvalidInputException("candidate bit-width " + sorted[i] + " is listed twice in "
            + Arrays.toString(bits));
      }
    }
    return sorted;
  }

  /** Σ_l w_l, checked so that Σ w_l·b^p (≤ 64·Σw) is exact in a long and in a double. */
  private static long totalWeight(List<LayerCost> layers, BudgetKind kind) {
    long total = 0;
    for (LayerCost l : layers) {
      total += kind.weight(l); // each ≥ 0; overflow is caught by the bound below on the way
      if (total < 0 || total > EXACT_IN_DOUBLE / kind.cost(MAX_BITS)) {
        throw new InvalidInputException("the layers' total " + weightName(kind) + " is too large: "
            + kind.cost(MAX_BITS) + " × total must stay below 2^52 to be exact in the solver");
      }
    }
    if (total == 0) {
      throw new InvalidInputException("a " + kind.configName() + " budget needs " + weightName(kind)
          + ", but every layer has 0");
    }
    return total;
  }

  private static String weightName(BudgetKind kind) {
    return switch (kind) {
      case SIZE -> "parameter counts";
      case AVERAGE_BITS -> "layer count";
      case BITOPS -> "multiply-accumulate counts";
    };
  }

  /** R = floor(ω^p · total), with ω the decimal Double.toString prints. */
  private static long floorBudget(double budget, BudgetKind kind, long total) {
    if (budget > MAX_BITS) {
      return Long.MAX_VALUE; // above every configuration; also keeps infinity out of BigDecimal
    }
    if (budget < 0) {
      return -1; // below every configuration
    }
    BigDecimal omega = BigDecimal.valueOf(budget);
    return omega.pow(kind.power()).multiply(BigDecimal.valueOf(total))
        .setScale(0, RoundingMode.FLOOR).longValueExact();
  }

  /** Σ_l w_l·b_l^p: the left-hand side of the budget; exact, as totalWeight bounds it. */
  private static long usage(List<LayerCost> layers, int[] config, BudgetKind kind) {
    long sum = 0;
    for (int l = 0; l < config.length; l++) {
      sum += kind.weight(layers.get(l)) * kind.cost(config[l]);
    }
    return sum;
  }

  /** The configuration as widths in layer order, checked against the layers. */
  private static int[] configuration(List<LayerCost> layers, Map<String, Integer> layerBits) {
    if (layerBits == null) {
      throw new InvalidInputException("the bit-width configuration is missing");
    }
    int[] config = new int[layers.size()];
    for (int l = 0; l < layers.size(); l++) {
      LayerCost layer = layers.get(l);
      Integer b = layerBits.get(layer.name());
      if (b == null) {
        throw new InvalidInputException("configuration has no bit-width for layer " + layer.name());
      }
      checkBits(b, "bit-width of layer " + layer.name());
      if (!layer.perturbation().containsKey(b)) {
        throw new InvalidInputException("layer " + layer.name() + " has no perturbation entry for "
            + b + " bits");
      }
      config[l] = b;
    }
    if (layerBits.size() != layers.size()) {
      Set<String> unknown = new HashSet<>(layerBits.keySet());
      layers.forEach(l -> unknown.remove(l.name()));
      throw new InvalidInputException("configuration names unknown layers " + unknown);
    }
    return config;
  }

  /**
   * The cost figures of a configuration. Products use multiplyExact, although totalWeight's bound
   * already rules out overflow for the searched kind, because evaluate may be given any layers.
   */
  private static Selection measure(List<LayerCost> layers, int[] config, double budget) {
    Map<String, Integer> named = new LinkedHashMap<>();
    long size = 0;
    long ops = 0;
    long bitSum = 0;
    double objective = 0;
    try {
      for (int l = 0; l < config.length; l++) {
        LayerCost layer = layers.get(l);
        int b = config[l];
        named.put(layer.name(), b);
        size = Math.addExact(size, Math.multiplyExact(layer.params(), b));
        ops = Math.addExact(ops, Math.multiplyExact(layer.macs(), (long) b * b));
        bitSum += b;
        objective += layer.tracePerParam() * layer.perturbation().get(b);
      }
    } catch (ArithmeticException e) {
      throw new InvalidInputException("the layers' size or bit operations overflow a long");
    }
    return new Selection(budget, named, size, ops, (double) bitSum / config.length, objective);
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return Math.abs(a);
  }
}
