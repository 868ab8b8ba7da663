package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The base learning-rate schedule: cosine over the stage, scaled by a linear warm-up at its start. */
class TrainOptionsTest {

  private static TrainOptions withWarmup(int warmupSteps) {
    return new TrainOptions(1, 128, 1e-3, warmupSteps, 0, true, ScaleParameterisation.LOG, Distillation.NONE, 0.1,
        42, 20, io.bitswitch.data.Augmentation.NONE);
  }

  @Test
  void withoutWarmupTheRateIsTheCosineFromTheBaseRateToZero() {
    TrainOptions o = withWarmup(0);
    assertEquals(1e-3, o.rateAt(0, 100), 0);
    assertEquals(0.5e-3, o.rateAt(50, 100), 1e-15);
    assertEquals(1e-3 * 0.5 * (1 + Math.cos(Math.PI * 99 / 100)), o.rateAt(99, 100), 0);
  }

  @Test
  void warmupRisesLinearlyOverItsStepsAndThenFollowsTheSameCosine() {
    TrainOptions o = withWarmup(10);
    TrainOptions plain = withWarmup(0);
    for (int t = 0; t < 10; t++) {
      assertEquals(plain.rateAt(t, 100) * (t + 1) / 10.0, o.rateAt(t, 100), 1e-18, "step " + t);
    }
    for (int t = 9; t < 100; t++) {
      assertEquals(plain.rateAt(t, 100), o.rateAt(t, 100), 0, "step " + t);
    }
    assertEquals(1e-4, o.rateAt(0, 100), 1e-9);
  }

  @Test
  void negativeWarmupIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> withWarmup(-1));
  }
}
