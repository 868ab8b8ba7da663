package io.bitswitch.hessian;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Hutchinson's estimator of per-block Hessian traces with central-difference Hessian-vector
 * products (docs/design/method.md §5), as plain math over arrays so that every executor and the driver compute
 * exactly the same probe vectors.
 *
 * <p>For probe {@code k}, a Rademacher vector {@code v} (±1) is drawn from a generator seeded by
 * {@code (seed, k)} alone, so every executor draws the same {@code v} without communication.
 * {@code v} is non-zero only on the <em>blocks</em> (the quantized layers' latent WEIGHT segments);
 * every other coordinate of θ (biases, float layers, BatchNorm, scales) is left unperturbed, so
 * {@code Hv} restricted to a block is exactly {@code Σ_blocks H_{l,m} v_m} and
 * {@code E[v_l·(Hv)_l] = Tr(H_ll)} because the probe entries of different blocks are independent
 * with mean zero. One product serves every layer:
 * <pre>
 *   Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / (2ε),     ε = 1e-3 · (1 + ‖θ_blocks‖_∞)
 *   T_l += v_l · (Hv)_l
 * </pre>
 * ε is relative to the largest weight of the blocks (the coordinates that are perturbed). The
 * estimate stops when the relative change of every block's running mean is below the tolerance,
 * or at the maximum number of probes.
 */
public final class Hutchinson {
  /** ε = {@value} · (1 + ‖θ‖_∞). */
  public static final double EPSILON_FACTOR = 1e-3;

  private Hutchinson() {}

  /**
   * Contiguous ranges of θ, one per block (layer): {@code offsets[l]}, {@code lengths[l]}.
   *
   * @param names block names (layer names)
   * @param offsets start of each block in θ
   * @param lengths element count of each block
   */
  public record Blocks(String[] names, int[] offsets, int[] lengths) implements java.io.Serializable {
    /** Validates the arrays. */
    public Blocks {
      if (names.length != offsets.length || names.length != lengths.length) {
        throw new IllegalArgumentException("names, offsets and lengths differ in length");
      }
    }

    /** Number of blocks. */
    public int count() {
      return names.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Blocks b && Arrays.equals(names, b.names) && Arrays.equals(offsets, b.offsets)
          && Arrays.equals(lengths, b.lengths);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(offsets) * 31 + Arrays.hashCode(lengths);
    }

    @Override
    public String toString() {
      return "Blocks" + Arrays.toString(names);
    }
  }

  /**
   * The Rademacher probe {@code k} for seed {@code seed}: ±1 on every coordinate of the blocks,
   * 0 elsewhere. A pure function of {@code (seed, k, size, blocks)}.
   */
  public static float[] rademacher(long seed, int k, int size, Blocks blocks) {
    float[] v = new float[size];
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + k * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL);
    for (int l = 0; l < blocks.count(); l++) {
      int end = blocks.offsets()[l] + blocks.lengths()[l];
      for (int i = blocks.offsets()[l]; i < end; i++) {
        v[i] = r.nextBoolean() ? 1f : -1f;
      }
    }
    return v;
  }

  /** ε = 1e-3 · (1 + max |θ_i|) over the coordinates of the blocks. */
  public static double epsilon(float[] theta, Blocks blocks) {
    double max = 0;
    for (int l = 0; l < blocks.count(); l++) {
      int end = blocks.offsets()[l] + blocks.lengths()[l];
      for (int i = blocks.offsets()[l]; i < end; i++) {
        max = Math.max(max, Math.abs(theta[i]));
      }
    }
    return EPSILON_FACTOR * (1 + max);
  }

  /** θ + sign·ε·v, computed in double and rounded once to float. */
  public static float[] shifted(float[] theta, float[] v, double eps, int sign) {
    float[] out = new float[theta.length];
    for (int i = 0; i < theta.length; i++) {
      out[i] = v[i] == 0f ? theta[i] : (float) (theta[i] + sign * eps * v[i]);
    }
    return out;
  }

  /**
   * The central-difference Hessian-vector product {@code (g⁺ − g⁻)/(2ε)}. (θ ± εv are rounded
   * to float; the realised step differs from ε·v by float rounding only, ~1e-5 relative.)
   *
   * @param gradPlus mean gradient at θ + εv
   * @param gradMinus mean gradient at θ − εv
   * @param eps the nominal ε
   */
  public static double[] hessianVector(double[] gradPlus, double[] gradMinus, double eps) {
    double[] hv = new double[gradPlus.length];
    for (int i = 0; i < hv.length; i++) {
      hv[i] = (gradPlus[i] - gradMinus[i]) / (2 * eps);
    }
    return hv;
  }

  /** Per block, {@code v_l · (Hv)_l}: the probe's trace sample of every block. */
  public static double[] blockProducts(float[] v, double[] hv, Blocks blocks) {
    double[] t = new double[blocks.count()];
    for (int l = 0; l < blocks.count(); l++) {
      double s = 0;
      int end = blocks.offsets()[l] + blocks.lengths()[l];
      for (int i = blocks.offsets()[l]; i < end; i++) {
        s += v[i] * hv[i];
      }
      t[l] = s;
    }
    return t;
  }

  /** A gradient oracle: the mean gradient of the loss at a point (θ's layout), in double. */
  @FunctionalInterface
  public interface Gradient {
    /** The mean gradient at {@code point}. */
    double[] at(float[] point);
  }

  /**
   * One probe on a local gradient oracle: draws v, evaluates the gradient at θ ± εv and returns
   * the per-block products {@code v_l·(Hv)_l}.
   */
  public static double[] probe(Gradient gradient, float[] theta, Blocks blocks, long seed, int k) {
    float[] v = rademacher(seed, k, theta.length, blocks);
    double eps = epsilon(theta, blocks);
    double[] hv = hessianVector(gradient.at(shifted(theta, v, eps, 1)), gradient.at(shifted(theta, v, eps, -1)), eps);
    return blockProducts(v, hv, blocks);
  }

  /** The per-probe step of an estimate: the per-block products of probe {@code k}. */
  @FunctionalInterface
  public interface Prober {
    /** Per-block {@code v_l·(Hv)_l} of probe {@code k} (k = 0, 1, …). */
    double[] probe(int k);
  }

  /**
   * Runs probes {@code 0, 1, …} until {@link Estimate#converged} or {@code maxProbes}.
   *
   * @param blocks how many blocks each probe reports
   * @param maxProbes the maximum number of probes m
   * @param tolerance relative change of every block's mean below which the estimate stops
   */
  public static Estimate estimate(Prober prober, int blocks, int maxProbes, double tolerance) {
    Estimate e = new Estimate(blocks);
    for (int k = 0; k < maxProbes; k++) {
      e.add(prober.probe(k));
      if (e.converged(tolerance)) {
        break;
      }
    }
    return e;
  }

  /** Local estimate over a gradient oracle (tests, single-machine use). */
  public static Estimate estimate(Gradient gradient, float[] theta, Blocks blocks, long seed, int maxProbes,
      double tolerance) {
    return estimate(k -> probe(gradient, theta, blocks, seed, k), blocks.count(), maxProbes, tolerance);
  }

  /**
   * Running per-block means of the probe samples (Welford), their standard errors, and the
   * relative change of the means caused by the last probe.
   */
  public static final class Estimate {
    private final double[] mean;
    private final double[] m2;
    private final double[] lastChange;
    private int probes;

    /** An empty estimate over {@code blocks} blocks. */
    public Estimate(int blocks) {
      mean = new double[blocks];
      m2 = new double[blocks];
      lastChange = new double[blocks];
      Arrays.fill(lastChange, Double.POSITIVE_INFINITY);
    }

    /** Adds one probe's per-block samples. */
    public void add(double[] samples) {
      if (samples.length != mean.length) {
        throw new IllegalArgumentException(samples.length + " samples for " + mean.length + " blocks");
      }
      probes++;
      for (int l = 0; l < mean.length; l++) {
        double old = mean[l];
        double d = samples[l] - old;
        mean[l] = old + d / probes;
        m2[l] += d * (samples[l] - mean[l]);
        lastChange[l] = probes == 1 ? Double.POSITIVE_INFINITY
            : Math.abs(mean[l] - old) / Math.max(Math.abs(mean[l]), Double.MIN_NORMAL);
      }
    }

    /** Probes so far. */
    public int probes() {
      return probes;
    }

    /** Per-block trace estimates (the running means). */
    public double[] traces() {
      return mean.clone();
    }

    /** Per-block standard errors of the means: sample standard deviation / √probes (NaN below 2 probes). */
    public double[] standardErrors() {
      double[] se = new double[mean.length];
      for (int l = 0; l < se.length; l++) {
        se[l] = probes < 2 ? Double.NaN : Math.sqrt(m2[l] / (probes - 1) / probes);
      }
      return se;
    }

    /** Per-block relative change |mean_k − mean_{k−1}| / |mean_k| of the last probe (∞ after one). */
    public double[] relativeChanges() {
      return lastChange.clone();
    }

    /** Whether every block's mean changed by less than {@code tolerance} (relative) with the last probe. */
    public boolean converged(double tolerance) {
      if (probes < 2) {
        return false;
      }
      for (double c : lastChange) {
        if (!(c < tolerance)) {
          return false;
        }
      }
      return true;
    }
  }
}
