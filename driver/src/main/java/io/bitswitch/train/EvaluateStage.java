package io.bitswitch.train;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.evaluate.Evaluator;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.store.BundleStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The {@code evaluate} stage: test accuracy of a published bundle, at uniform bit-widths or at
 * per-layer configurations. It reads the stored bundle only; the setup's data, partitions, test
 * examples and batch apply, its architecture does not. The test images are normalised with the
 * statistics the bundle was trained with ({@link io.bitswitch.evaluate.TrainedNormalization}).
 */
public final class EvaluateStage {
  private EvaluateStage() {}

  /**
   * Test accuracy of the bundle at each requested bit-width: the stored INT-h codes are switched
   * to b with integer ops and the dequantised weights, activation scales b and BN set b loaded
   * (for an FP32 bundle, {@code bits} must be {@code [32]}).
   *
   * @return accuracy per bit-width ({@code "32"} for FP32), in the order given
   */
  public static Map<String, Double> accuracy(StageContext ctx, String bundleUri, int[] bits) {
    Bundle bundle = BundleStore.read(bundleUri, ctx.hadoop());
    Manifest m = bundle.manifest();
    StageData d = ctx.openTestData(m);
    JavaSparkContext sc = ctx.sparkContext();
    Map<String, Double> accuracy = new LinkedHashMap<>();
    for (int b : bits) {
      Bundle switched;
      if (m.fp32()) {
        if (b != BitWidthSet.FP32_BITS) {
          throw new InvalidInputException("bundle " + bundleUri + " is FP32; evaluate it with --bits 32");
        }
        switched = bundle;
      } else {
        switched = bundle.switchTo(b);
      }
      int[] precisions = ModelBundles.precisionsOf(switched);
      ModelSpec spec = new ModelSpec("custom", m.modelConfig(), m.inputShape(), m.numClasses(), 0L, precisions);
      float[] theta = ModelBundles.toTheta(switched, spec.graph());
      double[] acc = Evaluator.accuracy(sc, d.test(), spec, theta, new int[] {b}, ctx.setup().evalBatch());
      accuracy.put(StageContext.key(b), acc[0]);
    }
    d.release();
    return accuracy;
  }

  /**
   * Test accuracy of per-layer bit-width configurations of the INT-h bundle at {@code bundleUri}:
   * each quantized layer's weights switched to its own width, its activations quantized at that
   * width, each BatchNorm layer with the set of its owner's width (the stored statistics; no
   * re-estimation).
   *
   * @param configurations per configuration, layer name to bit-width for every quantized layer
   * @return accuracy per configuration, in the order given
   * @throws InvalidInputException for unknown or missing layers, widths not in the bundle, or a
   *     bundle that is FP32 or already mixed-precision
   */
  public static double[] layerBitsAccuracy(StageContext ctx, String bundleUri,
      List<Map<String, Integer>> configurations) {
    Bundle bundle = BundleStore.read(bundleUri, ctx.hadoop());
    Manifest m = bundle.manifest();
    for (Map<String, Integer> c : configurations) {
      bundle.switchTo(c); // checks names and widths with the switch's messages
    }
    int[] precisions = ModelBundles.precisionsOf(bundle);
    ModelSpec spec = new ModelSpec("custom", m.modelConfig(), m.inputShape(), m.numClasses(), 0L, precisions);
    QuantizedGraph graph = spec.graph();
    int[][] configs = new int[configurations.size()][];
    for (int k = 0; k < configs.length; k++) {
      configs[k] = new int[graph.quantizedLayers().size()];
      for (int l = 0; l < configs[k].length; l++) {
        configs[k][l] = configurations.get(k).get(graph.quantizedLayers().get(l).name());
      }
    }
    StageData d = ctx.openTestData(m);
    try {
      return Evaluator.accuracy(ctx.sparkContext(), d.test(), spec, ModelBundles.toTheta(bundle, graph), configs,
          ctx.setup().evalBatch());
    } finally {
      d.release();
    }
  }
}
