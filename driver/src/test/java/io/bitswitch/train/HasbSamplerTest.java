package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import io.bitswitch.train.HasbSampler.Sampling;
import org.junit.jupiter.api.Test;

class HasbSamplerTest {
  private static final int[] BITS = {8, 6, 4, 2};
  /** χ² critical value for 3 degrees of freedom at p = 0.001. */
  private static final double CHI2_3DF_P001 = 16.266;
  private static final int DRAWS = 200_000;

  @Test
  void rouletteProbabilitiesAreAsSpecified() {
    assertArrayEquals(new double[] {0.4, 0.3, 0.2, 0.1}, HasbSampler.probabilities(BITS, true), 1e-15);
    assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25}, HasbSampler.probabilities(BITS, false), 1e-15);
  }

  @Test
  void sigmaGrowsLinearlyToItsMaximumInTheLastEpoch() {
    assertEquals(0.25, HasbSampler.sigma(1.0, 0, 4), 1e-15);
    assertEquals(0.5, HasbSampler.sigma(1.0, 1, 4), 1e-15);
    assertEquals(1.0, HasbSampler.sigma(1.0, 3, 4), 1e-15);
    assertEquals(0.8, HasbSampler.sigma(0.8, 1, 2), 1e-15);
    assertEquals(0.4, HasbSampler.sigma(0.8, 0, 2), 1e-15);
  }

  /** With σ = 1 every layer re-draws: frequencies are the roulette's (χ² over 2·10^5 draws). */
  @Test
  void frequenciesMatchTheRouletteAtFullSigma() {
    HasbSampler s = new HasbSampler(BITS, new boolean[] {true, false}, Sampling.HASB, 1.0, 1, 42);
    long[][] counts = count(s, 0);
    assertChiSquare(counts[0], new double[] {0.4, 0.3, 0.2, 0.1}, "sensitive layer");
    assertChiSquare(counts[1], new double[] {0.25, 0.25, 0.25, 0.25}, "insensitive layer");
  }

  /** With σ_e < 1 a layer keeps the pass's nominal bit-width unless it re-draws. */
  @Test
  void frequenciesMixTheNominalBitWidthAndTheRoulette() {
    // E = 4, epoch 1: σ = 0.5. Pass 2 has nominal 4 bits.
    HasbSampler s = new HasbSampler(BITS, new boolean[] {true, false}, Sampling.HASB, 1.0, 4, 7);
    long[][] counts = new long[2][BITS.length];
    for (int step = 0; step < DRAWS; step++) {
      int[] c = s.draw(step, 2, 1);
      for (int l = 0; l < 2; l++) {
        counts[l][index(c[l])]++;
      }
    }
    assertChiSquare(counts[0], new double[] {0.2, 0.15, 0.5 + 0.1, 0.05}, "sensitive layer, σ = 0.5");
    assertChiSquare(counts[1], new double[] {0.125, 0.125, 0.5 + 0.125, 0.125}, "insensitive layer, σ = 0.5");
  }

  @Test
  void uniformSamplingIgnoresSensitivity() {
    HasbSampler s = new HasbSampler(BITS, new boolean[] {true, true}, Sampling.UNIFORM, 1.0, 1, 42);
    long[][] counts = count(s, 0);
    assertChiSquare(counts[0], new double[] {0.25, 0.25, 0.25, 0.25}, "uniform sampling");
  }

  /** The χ² check itself rejects a clearly wrong distribution (so it can fail). */
  @Test
  void theChiSquareCheckRejectsWrongFrequencies() {
    HasbSampler s = new HasbSampler(BITS, new boolean[] {false}, Sampling.HASB, 1.0, 1, 42);
    long[][] counts = count(s, 0);
    assertTrue(chiSquare(counts[0], new double[] {0.4, 0.3, 0.2, 0.1}) > CHI2_3DF_P001);
  }

  @Test
  void drawsDependOnlyOnSeedStepAndPass() {
    HasbSampler a = new HasbSampler(BITS, new boolean[] {true, false, true}, Sampling.HASB, 1.0, 2, 42);
    HasbSampler b = new HasbSampler(BITS, new boolean[] {true, false, true}, Sampling.HASB, 1.0, 2, 42);
    assertArrayEquals(a.draw(17, 3, 1), b.draw(17, 3, 1));
    assertArrayEquals(a.draw(17, 3, 1), a.draw(17, 3, 1));
    boolean differs = false;
    for (int step = 0; step < 20; step++) {
      differs |= !java.util.Arrays.equals(a.draw(step, 0, 1), a.draw(step, 1, 1));
    }
    assertTrue(differs, "passes of one step draw independently");
    HasbSampler c = new HasbSampler(BITS, new boolean[] {true, false, true}, Sampling.HASB, 1.0, 2, 43);
    differs = false;
    for (int step = 0; step < 20; step++) {
      differs |= !java.util.Arrays.equals(a.draw(step, 0, 1), c.draw(step, 0, 1));
    }
    assertTrue(differs, "another seed, other draws");
  }

  @Test
  void badSettingsAreRefused() {
    assertThrows(InvalidInputException.class, () -> new HasbSampler(BITS, new boolean[1], Sampling.HASB, 0, 1, 1));
    assertThrows(InvalidInputException.class, () -> new HasbSampler(BITS, new boolean[1], Sampling.HASB, 1.5, 1, 1));
    assertThrows(InvalidInputException.class, () -> new HasbSampler(BITS, new boolean[1], Sampling.HASB, 1, 0, 1));
  }

  private static long[][] count(HasbSampler s, int epoch) {
    long[][] counts = new long[s.layers()][BITS.length];
    for (int step = 0; step < DRAWS / BITS.length; step++) {
      for (int pass = 0; pass < BITS.length; pass++) {
        int[] c = s.draw(step, pass, epoch);
        for (int l = 0; l < c.length; l++) {
          counts[l][index(c[l])]++;
        }
      }
    }
    return counts;
  }

  private static int index(int bits) {
    for (int i = 0; i < BITS.length; i++) {
      if (BITS[i] == bits) {
        return i;
      }
    }
    throw new AssertionError(bits);
  }

  private static double chiSquare(long[] observed, double[] p) {
    long n = java.util.Arrays.stream(observed).sum();
    double chi2 = 0;
    for (int i = 0; i < p.length; i++) {
      double e = n * p[i];
      chi2 += (observed[i] - e) * (observed[i] - e) / e;
    }
    return chi2;
  }

  private static void assertChiSquare(long[] observed, double[] p, String what) {
    double chi2 = chiSquare(observed, p);
    assertTrue(chi2 < CHI2_3DF_P001, what + ": χ² = " + chi2 + " for counts " + java.util.Arrays.toString(observed));
  }
}
