package io.bitswitch.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ALRS of docs/design/method.md §4. */
class AlrsTest {

  @ParameterizedTest(name = "h={0} b={1}: eta={2}")
  @CsvSource({
      "8, 8, 1", "8, 7, 0.5", "8, 6, 0.1", "8, 5, 0.05", "8, 4, 0.01", "8, 3, 0.005", "8, 2, 0.001",
      "6, 6, 1", "6, 5, 0.5", "6, 4, 0.1", "6, 2, 0.01", "4, 3, 0.5", "4, 2, 0.1", "2, 2, 1"})
  void etaTable(int h, int b, double want) {
    assertEquals(want, Alrs.eta(h, b), 1e-15 * want);
  }

  @Test
  void etaRefusesBAboveH() {
    assertThrows(IllegalArgumentException.class, () -> Alrs.eta(6, 8));
  }

  @Test
  void layerTermClipsEachGradientThenTakesTheMaxAbs() {
    assertEquals(0.7, Alrs.layerTerm(new float[] {0.3f, -0.7f}, new float[] {0.2f}), 1e-7);
    assertEquals(0.7, Alrs.layerTerm(new float[] {0.2f}, new float[] {0.3f, -0.7f}), 1e-7,
        "the max runs over every array of the layer");
    assertEquals(0.25, Alrs.layerTerm(new float[] {-0.25f, 0f}), 0);
    assertEquals(1.0, Alrs.layerTerm(new float[] {-5f, 0.1f}), 0, "clipped to 1");
    assertEquals(1.0, Alrs.layerTerm(new float[] {0.5f}, new float[] {1e30f}), 0);
    assertEquals(1.0, Alrs.layerTerm(new float[] {Float.NEGATIVE_INFINITY}), 0);
    assertEquals(1.0, Alrs.layerTerm(new float[] {Float.POSITIVE_INFINITY, 0.3f}), 0);
    assertEquals((double) 0.999f, Alrs.layerTerm(new float[] {-0.999f, 0.5f}), 0);
    assertEquals(0.0, Alrs.layerTerm(new float[0]), 0);
    assertEquals(0.0, Alrs.layerTerm(), 0);
  }

  @Test
  void meanTermAverages() {
    assertEquals((0.2 + 0.4 + 1.0) / 3, Alrs.meanTerm(new double[] {0.2, 0.4, 1.0}), 1e-15);
    assertEquals(0.5, Alrs.meanTerm(new double[] {0.5}), 0);
    assertEquals(0.0, Alrs.meanTerm(new double[0]), 0);
  }

  @Test
  void rateFormula() {
    assertEquals(0.01 * 1e-3 * 0.75, Alrs.rate(1e-3, 8, 4, 0.25), 1e-18);
    assertEquals(0.5 * 2e-4 * 0.9, Alrs.rate(2e-4, 8, 7, 0.1), 1e-18);
    assertEquals(1e-3, Alrs.rate(1e-3, 8, 8, 0), 1e-18);
    assertEquals(0.0, Alrs.rate(1e-3, 8, 2, 1.0), 0);
  }

  /**
   * For random layers of scale gradients (ordinary, huge and tiny), ḡ lies in [0, 1] and equals the
   * mean of the clipped max-abs terms (reference in BigDecimal), and λ_b = η_b·λ·(1 − ḡ) is never
   * negative and never above η_b·λ. Also with ḡ > 1 (not producible by meanTerm) the rate is 0, not
   * negative, unlike the paper's printed form η_b·(λ − ḡ).
   */
  @Test
  void rateIsNeverNegative() {
    SplittableRandom rnd = new SplittableRandom(4);
    for (int trial = 0; trial < 500; trial++) {
      int layers = rnd.nextInt(1, 20);
      double[] terms = new double[layers];
      BigDecimal sum = BigDecimal.ZERO;
      double magnitude = Math.pow(10, rnd.nextInt(-6, 4));
      for (int l = 0; l < layers; l++) {
        float[] ws = new float[rnd.nextInt(1, 30)];
        float[] as = {(float) (rnd.nextDouble(-1, 1) * magnitude)};
        double ref = Math.min(1, Math.abs(as[0]));
        for (int i = 0; i < ws.length; i++) {
          ws[i] = (float) (rnd.nextDouble(-1, 1) * magnitude);
          ref = Math.max(ref, Math.min(1, Math.abs(ws[i])));
        }
        terms[l] = Alrs.layerTerm(ws, as);
        assertEquals(ref, terms[l], 0, "layer term");
        sum = sum.add(new BigDecimal(ref));
      }
      double gBar = Alrs.meanTerm(terms);
      assertEquals(sum.divide(BigDecimal.valueOf(layers), MathContext.DECIMAL128).doubleValue(), gBar, 1e-15);
      assertTrue(gBar >= 0 && gBar <= 1, "gBar " + gBar);
      double lr = rnd.nextDouble(1e-5, 1);
      for (int b = 2; b <= 8; b++) {
        double rate = Alrs.rate(lr, 8, b, gBar);
        double cap = Alrs.eta(8, b) * lr;
        assertTrue(rate >= 0 && rate <= cap, "rate " + rate + " for gBar " + gBar);
        assertEquals(cap * (1 - gBar), rate, 1e-15 * cap);
      }
    }
    for (double gBar : new double[] {1.0, 1.5, 7}) {
      assertEquals(0.0, Alrs.rate(0.1, 8, 6, gBar), 0);
    }
  }
}
