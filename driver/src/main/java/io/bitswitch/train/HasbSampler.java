package io.bitswitch.train;

import io.bitswitch.InvalidInputException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Hessian-aware stochastic bit-switching (docs/design/method.md §6): the per-layer bit-widths of every pass of
 * SuperNet training. A step has one pass per nominal bit-width b ∈ B (descending); in a pass each
 * quantized layer keeps b, or with probability σ_e re-draws its own bit-width by roulette:
 * <pre>
 *   sensitive layer    P(b_i) = b_i / Σ_j b_j     ({8,6,4,2}: 40/30/20/10 %)
 *   insensitive layer  P(b_i) = 1 / |B|
 *   σ_e = σ_max · (e + 1) / E                     e = epoch index, E = epochs
 * </pre>
 * {@link Sampling#UNIFORM} is the baseline without Hessian information: every layer draws
 * uniformly. The draws of pass k of step t depend only on (seed, t, k), so the driver's
 * configuration is reproducible across runs and resumes, and every executor gets the same one.
 */
public final class HasbSampler implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How re-drawn bit-widths are chosen. */
  public enum Sampling {
    /** Sensitive layers favour high bit-widths in proportion to b; insensitive layers draw uniformly. */
    HASB,
    /** Every layer draws uniformly (no Hessian information). */
    UNIFORM;

    /** The configuration value: {@code hasb} or {@code uniform}. */
    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final int[] bits;
  private final double[][] cumulative;
  private final double sigmaMax;
  private final int epochs;
  private final long seed;

  /**
   * @param bits candidate bit-widths B, descending (the nominal bit-width of pass k is bits[k])
   * @param sensitive per quantized layer (in plan order), whether it is sensitive
   *     ({@code t̄_l ≥ mean t̄}); ignored with {@link Sampling#UNIFORM}
   * @param sampling HASB or uniform roulette
   * @param sigmaMax largest re-draw probability, in (0, 1]
   * @param epochs E
   * @param seed the run's seed
   */
  public HasbSampler(int[] bits, boolean[] sensitive, Sampling sampling, double sigmaMax, int epochs, long seed) {
    if (bits.length == 0 || epochs <= 0 || !(sigmaMax > 0 && sigmaMax <= 1)) {
      throw new InvalidInputException("HASB needs at least one bit-width, epochs > 0 and sigma-max in (0, 1]; got bits "
          + Arrays.toString(bits) + ", epochs " + epochs + ", sigma-max " + sigmaMax);
    }
    this.bits = bits.clone();
    this.sigmaMax = sigmaMax;
    this.epochs = epochs;
    this.seed = seed;
    this.cumulative = new double[sensitive.length][];
    for (int l = 0; l < sensitive.length; l++) {
      double[] p = probabilities(bits, sampling == Sampling.HASB && sensitive[l]);
      double[] c = new double[p.length];
      double sum = 0;
      for (int i = 0; i < p.length; i++) {
        sum += p[i];
        c[i] = sum;
      }
      c[p.length - 1] = 1.0; // guard against rounding: the last bucket takes the remainder
      cumulative[l] = c;
    }
  }

  /** The roulette probabilities over {@code bits}: proportional to b when sensitive, else uniform. */
  public static double[] probabilities(int[] bits, boolean sensitive) {
    double[] p = new double[bits.length];
    double total = Arrays.stream(bits).sum();
    for (int i = 0; i < bits.length; i++) {
      p[i] = sensitive ? bits[i] / total : 1.0 / bits.length;
    }
    return p;
  }

  /** σ_e = σ_max · (e + 1) / E: the probability that a layer re-draws in epoch e. */
  public static double sigma(double sigmaMax, int epoch, int epochs) {
    return sigmaMax * (epoch + 1) / epochs;
  }

  /** Number of quantized layers. */
  public int layers() {
    return cumulative.length;
  }

  /** The nominal bit-widths, one per pass. */
  public int[] nominal() {
    return bits.clone();
  }

  /**
   * The per-layer bit-widths of pass {@code pass} (nominal bit-width {@code bits[pass]}) of global
   * step {@code step} (0-based) in epoch {@code epoch}.
   */
  public int[] draw(int step, int pass, int epoch) {
    SplittableRandom random = new SplittableRandom(mix(mix(seed) + step) * 31 + pass);
    double sigma = sigma(sigmaMax, epoch, epochs);
    int[] config = new int[cumulative.length];
    for (int l = 0; l < config.length; l++) {
      // Both numbers are always drawn so that one layer's outcome never shifts another's stream.
      double redraw = random.nextDouble();
      double roulette = random.nextDouble();
      config[l] = redraw < sigma ? bits[bucket(cumulative[l], roulette)] : bits[pass];
    }
    return config;
  }

  private static int bucket(double[] cumulative, double u) {
    for (int i = 0; i < cumulative.length; i++) {
      if (u < cumulative[i]) {
        return i;
      }
    }
    return cumulative.length - 1;
  }

  /** SplitMix64's finaliser: spreads consecutive seeds and steps over the whole state space. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
