package io.bitswitch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.model.ParamLayout.Kind;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.model.QuantizationPlan.LayerInfo;
import io.bitswitch.quant.DoubleRounding;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** A pass with per-layer bit-widths (docs/design/method.md §6): weights, activations and BN sets per layer. */
class MixedPrecisionPassTest {
  private static final int[] MIXED = {4, 8, 2, 6}; // conv2, conv3, conv4, fc1

  @Test
  void batchNormOwnersAreTheLayersTheyNormalise() {
    QuantizationPlan fm = QuantizationPlan.of(Architectures.fmnistCnn(1, 28, 28, 10, 7));
    // bn1 follows the float first convolution: its set follows conv2, which consumes its output.
    assertEquals(Map.of("bn1", "conv2", "bn2", "conv2", "bn3", "conv3", "bn4", "conv4"),
        Map.of("bn1", fm.batchNormOwner("bn1"), "bn2", fm.batchNormOwner("bn2"), "bn3", fm.batchNormOwner("bn3"),
            "bn4", fm.batchNormOwner("bn4")));
    QuantizationPlan rn = QuantizationPlan.of(Architectures.resnet20(3, 32, 32, 10, 7));
    assertEquals("s1b1_conv1", rn.batchNormOwner("stem_bn"));
    for (LayerInfo l : rn.layers()) {
      if (l.role() == QuantizationPlan.Role.BATCHNORM && !l.name().equals("stem_bn")) {
        String normalised = l.name().endsWith("_proj_bn") ? l.name().replace("_bn", "") : l.name().replace("_bn", "_conv");
        assertEquals(normalised, rn.batchNormOwner(l.name()), l.name());
      }
    }
  }

  @Test
  void eachLayerRunsAtItsOwnBitWidth() {
    QuantizedGraph g = QuantizedGraphTest.fmnist(QuantizedGraphTest.BITS);
    float[] theta = g.initialParameters();
    perturbBatchNormSets(g, theta);
    int n = 4;
    float[] x = QuantizedGraphTest.randomImages(n, 5);
    g.initActivationScales(theta, x, n);
    g.load(theta, MIXED, false);
    ParamLayout layout = g.layout();
    List<LayerInfo> q = g.quantizedLayers();
    for (int i = 0; i < q.size(); i++) {
      LayerInfo l = q.get(i);
      float[] w = ParamLayout.slice(theta, layout.get(l.name(), Kind.WEIGHT, 0));
      float[] expected = new float[w.length];
      DoubleRounding.fakeQuantize(w, ParamLayout.slice(theta, layout.get(l.name(), Kind.WEIGHT_SCALE, 0)), 8, MIXED[i],
          expected);
      float[] loaded = g.graph().getLayer(l.name()).getParam("W").dup(l.weightOrder()).castTo(DataType.FLOAT).data()
          .asFloat();
      assertArrayEquals(expected, loaded, l.name() + " weights at " + MIXED[i] + " bits");
      ActivationQuantizerImpl aq = (ActivationQuantizerImpl) g.graph().getLayer(l.actQuantizer());
      assertEquals(MIXED[i], aq.bits(), l.name());
      assertEquals(theta[layout.get(l.name(), Kind.ACT_SCALE, MIXED[i]).offset()], aq.scale(), l.name());
    }
    int[] expectedSets = {4, 4, 8, 2}; // bn1, bn2 follow conv2; bn3 conv3; bn4 conv4
    for (int i = 0; i < g.bnLayers().size(); i++) {
      LayerInfo bn = g.bnLayers().get(i);
      assertEquals(expectedSets[i], g.bnPrecision(i, MIXED), bn.name());
      float[] gamma = g.graph().getLayer(bn.name()).getParam("gamma").dup().data().asFloat();
      assertArrayEquals(ParamLayout.slice(theta, layout.get(bn.name(), Kind.BN_GAMMA, expectedSets[i])), gamma,
          bn.name());
      float[] mean = g.graph().getLayer(bn.name()).getParam("mean").dup().data().asFloat();
      assertArrayEquals(ParamLayout.slice(theta, layout.get(bn.name(), Kind.BN_MEAN, expectedSets[i])), mean,
          bn.name());
    }
  }

  @Test
  void gradientsReachOnlyTheSegmentsOfTheConfiguration() {
    QuantizedGraph g = QuantizedGraphTest.fmnist(QuantizedGraphTest.BITS);
    float[] theta = g.initialParameters();
    int n = 8;
    float[] x = QuantizedGraphTest.randomImages(n, 6);
    int[] y = {0, 1, 2, 3, 4, 5, 6, 7};
    g.initActivationScales(theta, x, n);
    float[] grad = new float[theta.length];
    g.trainPass(theta, MIXED, x, y, n, grad, new double[g.bnStatsLength()]);
    for (Segment s : g.layout().segments()) {
      boolean any = false;
      for (int i = s.offset(); i < s.offset() + s.length(); i++) {
        any |= grad[i] != 0;
      }
      if (!g.activeIn(s, MIXED)) {
        assertTrue(!any, "inactive segment got a gradient: " + s);
      } else if (s.kind() == Kind.ACT_SCALE || s.kind() == Kind.BN_BETA) {
        assertTrue(any, "active segment got no gradient: " + s);
      }
    }
    // A uniform configuration is the same pass as the per-precision one.
    float[] a = new float[theta.length];
    float[] b = new float[theta.length];
    double la = g.trainPass(theta, 6, x, y, n, a, new double[g.bnStatsLength()]);
    double lb = g.trainPass(theta, g.uniform(6), x, y, n, b, new double[g.bnStatsLength()]);
    assertEquals(la, lb);
    assertArrayEquals(a, b);
  }

  @Test
  void configurationsOutsideTheModelAreRefused() {
    QuantizedGraph g = QuantizedGraphTest.fmnist(new int[] {8, 4});
    float[] theta = g.initialParameters();
    assertThrows(IllegalArgumentException.class, () -> g.load(theta, new int[] {8, 4, 6, 8}, false));
    assertThrows(IllegalArgumentException.class, () -> g.load(theta, new int[] {8, 4}, false));
    assertThrows(IllegalArgumentException.class, () -> g.load(theta, new int[] {8, 32, 8, 8}, false));
  }

  /** Makes every BN set distinguishable, so that loading the wrong one shows. */
  private static void perturbBatchNormSets(QuantizedGraph g, float[] theta) {
    Random r = new Random(3);
    for (Segment s : g.layout().segments()) {
      if (s.kind() == Kind.BN_GAMMA || s.kind() == Kind.BN_MEAN) {
        for (int i = s.offset(); i < s.offset() + s.length(); i++) {
          theta[i] += (float) r.nextGaussian();
        }
      }
    }
    assertNotEquals(theta[g.layout().get("bn2", Kind.BN_GAMMA, 4).offset()],
        theta[g.layout().get("bn2", Kind.BN_GAMMA, 8).offset()]);
  }
}
