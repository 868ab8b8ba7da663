package io.bitswitch.bundle;

import io.bitswitch.bundle.Manifest.Layer;
import io.bitswitch.quant.DoubleRounding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small bundles built from random latent weights, for the bundle tests. */
final class TestBundles {
  private TestBundles() {}

  /** The latent FP32 weights and scales an INT-h bundle was quantized from. */
  record Latent(Map<String, float[]> weights, Map<String, float[]> scales) {}

  static final List<Layer> LAYERS = List.of(
      Layer.floating("conv1", 4, 1, 3, 3),
      Layer.batchNorm("bn1", 4),
      Layer.quantized("conv2", 8, 4, 3, 3),
      Layer.batchNorm("bn2", 8),
      Layer.quantized("fc1", 16, 32),
      Layer.floating("out", 10, 16));

  /** An INT-h bundle over {@link #LAYERS}; {@code latent} receives the weights it came from. */
  static Bundle intH(long seed, int[] bits, Map<String, float[]> latentWeights, Map<String, float[]> latentScales) {
    int h = bits[0];
    Random rnd = new Random(seed);
    List<Tensor> tensors = new ArrayList<>();
    for (Layer l : LAYERS) {
      String n = l.name();
      int c = l.outputChannels();
      switch (l.kind()) {
        case FLOAT -> {
          tensors.add(Tensor.ofFloats(TensorNames.weight(n), l.shape(), gaussian(rnd, (int) l.elementCount(), 0.2f)));
          tensors.add(Tensor.ofFloats(TensorNames.bias(n), new int[] {c}, gaussian(rnd, c, 0.05f)));
        }
        case QUANTIZED -> {
          float[] w = gaussian(rnd, (int) l.elementCount(), 0.1f);
          float[] s = DoubleRounding.initScales(w, c, h);
          for (int i = 0; i < c; i++) {
            // Scales below the max|w| init make the clamp at h active for some weights.
            s[i] *= 0.6f + 0.6f * rnd.nextFloat();
          }
          if (latentWeights != null) {
            latentWeights.put(n, w);
            latentScales.put(n, s);
          }
          tensors.add(Tensor.ofBytes(TensorNames.weightCodes(n), l.shape(), DoubleRounding.quantizeToCodes(w, s, h)));
          tensors.add(Tensor.ofFloats(TensorNames.weightScale(n), new int[] {c}, s));
          for (int b : bits) {
            tensors.add(Tensor.ofFloats(TensorNames.activationScale(n, b), new int[] {1},
                new float[] {0.05f + rnd.nextFloat()}));
          }
          if (n.equals("fc1")) {
            tensors.add(Tensor.ofFloats(TensorNames.bias(n), new int[] {c}, gaussian(rnd, c, 0.05f)));
          }
        }
        case BATCHNORM -> {
          List<Integer> sets = new ArrayList<>();
          for (int b : bits) {
            sets.add(b);
          }
          sets.add(32);
          for (int b : sets) {
            for (String p : TensorNames.BN_PARAMS) {
              float[] v = gaussian(rnd, c, 0.5f);
              if (p.equals("var") || p.equals("gamma")) {
                for (int i = 0; i < c; i++) {
                  v[i] = Math.abs(v[i]) + 0.5f;
                }
              }
              tensors.add(Tensor.ofFloats(TensorNames.batchNorm(n, b, p), new int[] {c}, v));
            }
          }
        }
      }
    }
    Map<String, Double> accuracy = new LinkedHashMap<>();
    for (int b : bits) {
      accuracy.put(String.valueOf(b), (80 + b) / 100.0);
    }
    return Bundle.of(manifest(bits).accuracy(accuracy).build(), tensors);
  }

  static Manifest.Builder manifest(int[] bits) {
    return Manifest.builder()
        .architecture("test-cnn")
        .modelConfig("{\"layers\":[]}")
        .inputShape(1, 28, 28)
        .numClasses(10)
        .bits(bits)
        .h(bits[0])
        .normalization(new io.bitswitch.bundle.Manifest.Normalization(0.2860f, 0.3530f))
        .layers(LAYERS);
  }

  static Bundle intH(long seed, int... bits) {
    return intH(seed, bits, null, null);
  }

  static float[] gaussian(Random rnd, int n, float std) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) rnd.nextGaussian() * std;
    }
    return out;
  }
}
