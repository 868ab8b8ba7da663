package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.model.Architectures;
import io.bitswitch.model.ParamLayout;
import io.bitswitch.model.ParamLayout.Kind;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.model.QuantizationPlan;
import io.bitswitch.quant.BitWidthSet;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The optimiser's per-segment step counts, scale parameterisations and state snapshot. */
class AdamTest {
  private static final ParamLayout LAYOUT =
      ParamLayout.of(QuantizationPlan.of(Architectures.fmnistCnn(1, 28, 28, 10, 1)), new int[] {8, 4});

  private static float[] filled(float value) {
    float[] a = new float[LAYOUT.size()];
    Arrays.fill(a, value);
    return a;
  }

  @Test
  void eachSegmentCountsItsOwnUpdatesAndIsBiasCorrectedByThem() {
    Adam adam = new Adam(LAYOUT, ScaleParameterisation.LOG);
    float[] theta = filled(0.5f);
    for (int k = 0; k < 3; k++) {
      adam.update(theta, filled(1f), s -> s.activeAt(8), s -> 1e-2, 0);
      adam.update(theta, filled(1f), s -> s.activeAt(4), s -> 1e-2, 0);
    }
    Segment shared = LAYOUT.get("conv2", Kind.WEIGHT, 0);
    Segment own = LAYOUT.get("bn2", Kind.BN_GAMMA, 4);
    assertEquals(6, adam.steps(shared));
    assertEquals(3, adam.steps(own));
    assertEquals(0, adam.steps(LAYOUT.get("bn2", Kind.BN_GAMMA, BitWidthSet.FP32_BITS)));
    assertEquals(0, adam.steps(LAYOUT.get("bn2", Kind.BN_MEAN, 4)), "running statistics are not optimised");
    // With a constant gradient, a bias-corrected step is exactly the learning rate however many
    // updates the segment had: 3 updates move γ_4 by 3·lr, 6 move the shared weights by 6·lr.
    assertEquals(0.5 - 3e-2, theta[own.offset()], 1e-6);
    assertEquals(0.5 - 6e-2, theta[shared.offset()], 1e-6);
  }

  @Test
  void linearScalesStepAbsolutelyAndStayPositiveLogScalesStepRelatively() {
    Segment scale = LAYOUT.get("conv2", Kind.WEIGHT_SCALE, 0);
    float[] linear = filled(0.004f);
    new Adam(LAYOUT, ScaleParameterisation.LINEAR).update(linear, filled(1f), s -> true, s -> 1e-2, 0);
    assertEquals(1e-8f, linear[scale.offset()], "clamped at the smallest scale, not negative");
    float[] log = filled(0.004f);
    new Adam(LAYOUT, ScaleParameterisation.LOG).update(log, filled(1f), s -> true, s -> 1e-2, 0);
    assertEquals(0.004 * Math.exp(-1e-2), log[scale.offset()], 1e-9);
  }

  @Test
  void snapshotRestoresExactlyAndRefusesAnotherLayout() {
    Adam adam = new Adam(LAYOUT, ScaleParameterisation.LOG);
    float[] theta = filled(0.3f);
    adam.update(theta, filled(0.2f), s -> s.activeAt(8), s -> 1e-3, 1e-4);
    Adam.State state = adam.snapshot();
    Adam copy = new Adam(LAYOUT, ScaleParameterisation.LOG);
    copy.restore(state);
    float[] a = theta.clone();
    float[] b = theta.clone();
    adam.update(a, filled(-0.1f), s -> true, s -> 1e-3, 1e-4);
    copy.update(b, filled(-0.1f), s -> true, s -> 1e-3, 1e-4);
    assertArrayEquals(a, b);
    ParamLayout other = ParamLayout.of(QuantizationPlan.of(Architectures.fmnistCnn(1, 28, 28, 10, 1)), new int[] {8});
    assertThrows(IllegalArgumentException.class, () -> new Adam(other, ScaleParameterisation.LOG).restore(state));
    assertTrue(state.steps().length == LAYOUT.segments().size());
  }
}
