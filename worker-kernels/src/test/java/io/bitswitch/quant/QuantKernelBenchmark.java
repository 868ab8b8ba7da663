package io.bitswitch.quant;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Micro-benchmark of the quantizer kernels, before (the scalar loops, which still run without the
 * Vector API: {@code DoubleRounding.fakeQuantizeScalar} etc.) against after ({@link VectorKernels}), interleaved in one process (A, B, A, B, ...) on the
 * sizes of one fmnist-cnn training pass per partition (docs/PERFORMANCE.md): the quantized weights
 * of conv2..conv4 and fc1 (461,312, channel lengths 144..3,136) and the activation-quantizer inputs
 * of 64 examples (2,207,744). Prints the median time of each kernel over the rounds and the gain.
 * Not a test: run it by hand, e.g. (after {@code mvn -o -pl worker-kernels test-compile})
 * <pre>
 * java --add-modules jdk.incubator.vector -cp worker-kernels/target/test-classes:worker-kernels/target/classes \
 *   io.bitswitch.quant.QuantKernelBenchmark [rounds]
 * </pre>
 */
public final class QuantKernelBenchmark {
  private static final int H = 8;
  private static final int B = 4;
  /** out × in·kh·kw of conv2..conv4, and fc1's 128 × 3136. */
  private static final int[][] WEIGHT_LAYERS = {{32, 16 * 9}, {64, 32 * 9}, {64, 64 * 9}, {128, 3136}};
  /** Activation-quantizer inputs per example of conv2..conv4 and fc1, times 64 examples. */
  private static final int[] ACTIVATIONS = {16 * 28 * 28 * 64, 32 * 14 * 14 * 64, 64 * 14 * 14 * 64, 3136 * 64};

  private QuantKernelBenchmark() {}

  /** One kernel over every layer of a pass. */
  private interface Kernel {
    void run();
  }

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    SplittableRandom random = new SplittableRandom(1);
    float[][] w = new float[WEIGHT_LAYERS.length][];
    float[][] scales = new float[WEIGHT_LAYERS.length][];
    float[][] gw = new float[WEIGHT_LAYERS.length][];
    float[][] gs = new float[WEIGHT_LAYERS.length][];
    float[][] wOut = new float[WEIGHT_LAYERS.length][];
    for (int l = 0; l < WEIGHT_LAYERS.length; l++) {
      int channels = WEIGHT_LAYERS[l][0];
      w[l] = gaussian(random, channels * WEIGHT_LAYERS[l][1], 0.05f, false);
      scales[l] = DoubleRounding.initScales(w[l], channels, H);
      gw[l] = new float[w[l].length];
      gs[l] = new float[channels];
      wOut[l] = new float[w[l].length];
    }
    float[][] x = new float[ACTIVATIONS.length][];
    float[][] xOut = new float[ACTIVATIONS.length][];
    float[][] gradOut = new float[ACTIVATIONS.length][];
    float[] a = new float[ACTIVATIONS.length];
    for (int l = 0; l < ACTIVATIONS.length; l++) {
      x[l] = gaussian(random, ACTIVATIONS[l], 1f, true); // ReLU outputs: half zeros
      xOut[l] = new float[x[l].length];
      gradOut[l] = gaussian(random, ACTIVATIONS[l], 1e-3f, false);
      a[l] = ActivationQuantizer.initScale(x[l], B);
    }
    float[][] gradW = new float[WEIGHT_LAYERS.length][];
    for (int l = 0; l < WEIGHT_LAYERS.length; l++) {
      gradW[l] = gaussian(random, w[l].length, 1e-3f, false);
    }

    String[] names = {"DoubleRounding.fakeQuantize", "DoubleRounding.backward", "ActivationQuantizer.forward",
        "ActivationQuantizer.backward"};
    Kernel[] before = {
        () -> { for (int l = 0; l < w.length; l++) DoubleRounding.fakeQuantizeScalar(w[l], scales[l], H, B, wOut[l]); },
        () -> { for (int l = 0; l < w.length; l++) DoubleRounding.backwardScalar(w[l], scales[l], H, B, gradW[l], gw[l], gs[l]); },
        () -> { for (int l = 0; l < x.length; l++) ActivationQuantizer.forwardScalar(x[l], x[l].length, a[l], B, xOut[l]); },
        () -> { for (int l = 0; l < x.length; l++) ActivationQuantizer.backwardScalar(x[l], x[l].length, a[l], B, gradOut[l], xOut[l], 1f); },
    };
    Kernel[] after = {
        () -> { for (int l = 0; l < w.length; l++) VectorKernels.fakeQuantize(w[l], scales[l], WEIGHT_LAYERS[l][1], H, B, wOut[l]); },
        () -> { for (int l = 0; l < w.length; l++) VectorKernels.doubleRoundingBackward(w[l], scales[l], WEIGHT_LAYERS[l][1], H, B, gradW[l], gw[l], gs[l]); },
        () -> { for (int l = 0; l < x.length; l++) VectorKernels.activationForward(x[l], x[l].length, a[l], B, xOut[l]); },
        () -> { for (int l = 0; l < x.length; l++) VectorKernels.activationBackward(x[l], x[l].length, a[l], B, gradOut[l], xOut[l]); },
    };
    System.out.printf("lanes %d, %d rounds (A,B interleaved), H=%d b=%d; ms per fmnist-cnn pass of 64 examples%n",
        jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length(), rounds, H, B);
    System.out.println("| Kernel | before (scalar) ms | after (Vector API) ms | gain |");
    System.out.println("|---|---:|---:|---:|");
    for (int k = 0; k < names.length; k++) {
      // Warm-up: both versions compiled by C2 before timing.
      for (int i = 0; i < 30; i++) {
        before[k].run();
        after[k].run();
      }
      double[] tb = new double[rounds];
      double[] ta = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        tb[r] = time(before[k]);
        ta[r] = time(after[k]);
      }
      double mb = median(tb);
      double ma = median(ta);
      System.out.printf("| %s | %.2f | %.2f | %.1f× |%n", names[k], mb, ma, mb / ma);
    }
  }

  private static double time(Kernel kernel) {
    long t0 = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      kernel.run();
    }
    return (System.nanoTime() - t0) / 5e6;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static float[] gaussian(SplittableRandom random, int n, float sigma, boolean relu) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      float g = (float) random.nextGaussian() * sigma;
      v[i] = relu ? Math.max(0f, g) : g;
    }
    return v;
  }
}
