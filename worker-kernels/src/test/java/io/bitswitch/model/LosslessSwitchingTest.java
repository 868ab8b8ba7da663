package io.bitswitch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bitswitch.CorruptDataException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The "lossless switching" proof at network level (docs/design/method.md §8a): for every b, the network
 * evaluated from the stored INT-h bundle switched to b with integer ops gives exactly the logits
 * of the training-time network at b.
 */
class LosslessSwitchingTest {

  @Test
  void bundleSwitchedToEachBitWidthReproducesTrainingTimeOutputsBitForBit() {
    QuantizedGraph g = QuantizedGraphTest.fmnist(QuantizedGraphTest.BITS);
    float[] theta = g.initialParameters();
    int n = 8;
    float[] x = QuantizedGraphTest.randomImages(n, 11);
    g.initActivationScales(theta, x, n);
    // Perturb every value so BN sets, scales and running statistics all differ per precision.
    Random r = new Random(5);
    for (ParamLayout.Segment s : g.layout().segments()) {
      for (int i = s.offset(); i < s.offset() + s.length(); i++) {
        float f = 1 + 0.05f * (float) r.nextGaussian();
        theta[i] = s.kind() == ParamLayout.Kind.BN_VAR ? Math.abs(theta[i] * f) + 0.1f : theta[i] * f;
      }
    }
    Manifest.Builder base = Manifest.builder().architecture("fmnist-cnn").modelConfig("")
        .inputShape(1, 28, 28).numClasses(10).normalization(new io.bitswitch.bundle.Manifest.Normalization(0.5f, 0.25f)).accuracy(Map.of());
    Bundle stored = Bundle.decode(
        ModelBundles.toBundle(g, theta, base).encode().get("manifest.json"),
        ModelBundles.toBundle(g, theta, base).encode().get("model.safetensors"));
    for (int b : QuantizedGraphTest.BITS) {
      g.load(theta, b, false);
      float[] trained = g.output(x, n);

      Bundle switched = stored.switchTo(b);
      assertArrayEquals(new int[] {b}, ModelBundles.precisionsOf(switched));
      QuantizationPlan plan = g.plan();
      QuantizedGraph deployed = new QuantizedGraph(plan, ParamLayout.of(plan, new int[] {b}), new int[] {1, 28, 28});
      float[] fromBundle = ModelBundles.toTheta(switched, deployed);
      deployed.load(fromBundle, b, false);
      float[] deployedOut = deployed.output(x, n);
      assertEquals(trained.length, deployedOut.length);
      for (int i = 0; i < trained.length; i++) {
        assertEquals(Float.floatToIntBits(trained[i]), Float.floatToIntBits(deployedOut[i]),
            "b=" + b + " output " + i + ": " + trained[i] + " vs " + deployedOut[i]);
      }
    }
  }

  @Test
  void bundleOfAnotherArchitectureIsRefused() {
    QuantizedGraph g = QuantizedGraphTest.fmnist(new int[] {32});
    float[] theta = g.initialParameters();
    Bundle fp = ModelBundles.toBundle(g, theta, Manifest.builder().architecture("fmnist-cnn").modelConfig("")
        .inputShape(1, 28, 28).numClasses(10).normalization(new io.bitswitch.bundle.Manifest.Normalization(0.5f, 0.25f)).accuracy(Map.of()));
    QuantizationPlan other = QuantizationPlan.of(Architectures.fmnistCnn(1, 28, 28, 5, 7));
    QuantizedGraph wrong = new QuantizedGraph(other, ParamLayout.of(other, new int[] {32}), new int[] {1, 28, 28});
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> ModelBundles.toTheta(fp, wrong));
    assertEquals(true, e.getMessage().contains("output"), e.getMessage());
  }
}
