package io.bitswitch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.Random;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LayerHelpersTest {

  private static float[] gaussian(int n, long seed, double mean, double std) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (mean + std * r.nextGaussian());
    }
    return x;
  }

  @Test
  void statisticsAreTheBatchMeanAndPopulationVarianceOfEachChannel() {
    // 13 positions: one full group of eight and a tail of five per block.
    int n = 5, channels = 3, spatial = 13;
    float[] x = gaussian(n * channels * spatial, 1, 3.0, 0.5);
    float[] mean = new float[channels];
    float[] var = new float[channels];
    BatchNormHelper.statistics(x, n, channels, spatial, mean, var);
    for (int c = 0; c < channels; c++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < spatial; j++) {
          s += x[(i * channels + c) * spatial + j];
        }
      }
      double m = s / (n * spatial);
      double ss = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < spatial; j++) {
          double d = x[(i * channels + c) * spatial + j] - m;
          ss += d * d;
        }
      }
      assertEquals(m, mean[c], 1e-6 * Math.abs(m));
      assertEquals(ss / (n * spatial), var[c], 1e-5 * ss / (n * spatial));
    }
  }

  /** L = Σ w·BN(x) for fixed random w, in double: its gradients are what backward must give for dy = w. */
  private static double loss(float[] x, float[] w, float[] gamma, float[] beta, int n, int channels, int spatial,
      double eps) {
    double loss = 0;
    for (int c = 0; c < channels; c++) {
      double s = 0;
      double ss = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < spatial; j++) {
          s += x[(i * channels + c) * spatial + j];
        }
      }
      double m = s / (n * spatial);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < spatial; j++) {
          double d = x[(i * channels + c) * spatial + j] - m;
          ss += d * d;
        }
      }
      double invStd = 1 / Math.sqrt(ss / (n * spatial) + eps);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < spatial; j++) {
          int k = (i * channels + c) * spatial + j;
          loss += w[k] * (gamma[c] * (x[k] - m) * invStd + beta[c]);
        }
      }
    }
    return loss;
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    int n = 3, channels = 2, spatial = 11;
    int len = n * channels * spatial;
    float[] x = gaussian(len, 2, 0.5, 1.0);
    float[] w = gaussian(len, 3, 0.0, 1.0);
    float[] gamma = {1.3f, 0.7f};
    float[] beta = {0.1f, -0.2f};
    float eps = 1e-5f;
    float[] mean = new float[channels];
    float[] var = new float[channels];
    BatchNormHelper.statistics(x, n, channels, spatial, mean, var);
    float[] dx = new float[len];
    float[] dGamma = new float[channels];
    float[] dBeta = new float[channels];
    BatchNormHelper.backward(x, w, n, channels, spatial, mean, var, gamma, eps, dx, dGamma, dBeta);
    double h = 1e-2;
    for (int k = 0; k < len; k++) {
      float[] plus = x.clone();
      float[] minus = x.clone();
      plus[k] += (float) h;
      minus[k] -= (float) h;
      double fd = (loss(plus, w, gamma, beta, n, channels, spatial, eps)
          - loss(minus, w, gamma, beta, n, channels, spatial, eps)) / ((plus[k] - minus[k]));
      assertEquals(fd, dx[k], 2e-3 * Math.max(1, Math.abs(fd)), "dx[" + k + "]");
    }
    for (int c = 0; c < channels; c++) {
      float[] g2 = gamma.clone();
      g2[c] += 1f;
      double dg = loss(x, w, g2, beta, n, channels, spatial, eps) - loss(x, w, gamma, beta, n, channels, spatial, eps);
      float[] b2 = beta.clone();
      b2[c] += 1f;
      double db = loss(x, w, gamma, b2, n, channels, spatial, eps) - loss(x, w, gamma, beta, n, channels, spatial, eps);
      assertEquals(dg, dGamma[c], 1e-4 * Math.max(1, Math.abs(dg)));
      assertEquals(db, dBeta[c], 1e-4 * Math.max(1, Math.abs(db)));
    }
  }

  private static ComputationGraph fmnist(boolean install) {
    ComputationGraph g = new ComputationGraph(Architectures.fmnistCnn(1, 28, 28, 10, 5));
    g.init();
    if (install) {
      assertEquals(10, LayerHelpers.install(g), "BatchNorm, pooling and ReLU layers");
    }
    return g;
  }

  private static Gradient pass(ComputationGraph g, INDArray x, INDArray y) {
    g.setInputs(x);
    g.setLabels(y);
    g.computeGradientAndScore();
    return g.gradient();
  }

  @Test
  void aTrainingPassGivesDl4jsScoreGradientsAndBatchStatistics() throws Exception {
    ComputationGraph dl4j = fmnist(false);
    ComputationGraph own = fmnist(true);
    assertInstanceOf(BatchNormHelper.class, ((BatchNormalization) own.getLayer("bn2")).getHelper());
    assertInstanceOf(MaxPoolingLayer.class, own.getLayer("pool1"));
    assertInstanceOf(ReluLayer.class, own.getLayer("relu3"));
    assertTrue(java.util.Arrays.asList(own.getLayers()).contains(own.getLayer("pool2")), "replaced in the layer array too");
    assertInstanceOf(MaxPoolingHelper.class, ((SubsamplingLayer) own.getLayer("pool1")).getHelper());
    own.setParams(dl4j.params().dup());
    int n = 16;
    INDArray x = Nd4j.create(gaussian(n * 28 * 28, 4, 0.3, 1.0), new long[] {n, 1, 28, 28}, 'c');
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, i % 10, 1f);
    }
    INDArray expected = pass(dl4j, x, y).gradient().dup();
    double expectedScore = dl4j.score();
    INDArray actual = pass(own, x, y).gradient().dup();
    assertEquals(expectedScore, own.score(), 1e-5 * expectedScore);
    float[] e = expected.toFloatVector();
    float[] a = actual.toFloatVector();
    double scale = 0;
    for (float v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < e.length; i++) {
      // Every entry, including the BatchNorm mean/var "gradients" that carry the batch statistics.
      assertEquals(e[i], a[i], 1e-4 * scale, "gradient entry " + i);
    }
    // Deterministic: the same pass again gives the same floats.
    assertArrayEquals(a, pass(own, x, y).gradient().toFloatVector());
    // Inference still goes to DL4J's helper: the same outputs exactly.
    assertArrayEquals(NdArrays.toFloats(dl4j.outputSingle(false, x)), NdArrays.toFloats(own.outputSingle(false, x)));
    // DL4J falls back to its own code silently when a helper throws: none may have.
    for (org.deeplearning4j.nn.api.Layer layer : own.getLayers()) {
      for (Class<?> c = layer.getClass(); c != Object.class; c = c.getSuperclass()) {
        for (Field f : c.getDeclaredFields()) {
          if (f.getName().equals("helperCountFail")) {
            f.setAccessible(true);
            assertEquals(0, f.getInt(layer), layer.getConfig().getLayerName() + " fell back to DL4J's code");
          }
        }
      }
    }
  }

  /**
   * DL4J would silently switch a layer whose helper threw to its built-in code for the rest of the
   * run (other arithmetic: irreproducible results); with the helpers installed the pass fails.
   */
  @Test
  void aFailingHelperFailsThePassInsteadOfFallingBack() throws Exception {
    ComputationGraph own = fmnist(true);
    for (org.deeplearning4j.nn.api.Layer layer : own.getLayers()) {
      if (layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization c) {
        assertFalse(c.isCudnnAllowFallback(), c.getLayerName());
      } else if (layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c) {
        assertFalse(c.isCudnnAllowFallback(), c.getLayerName());
      } else if (layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.SubsamplingLayer c) {
        assertFalse(c.isCudnnAllowFallback(), c.getLayerName());
      }
    }
    Object failing = java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "checkSupported" -> true;
          case "preOutput" -> throw new IllegalStateException("helper failed");
          default -> null;
        });
    Field helper = BatchNormalization.class.getDeclaredField("helper");
    helper.setAccessible(true);
    helper.set(own.getLayer("bn2"), failing);
    int n = 4;
    INDArray x = Nd4j.create(gaussian(n * 28 * 28, 4, 0.3, 1.0), new long[] {n, 1, 28, 28}, 'c');
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
    RuntimeException e = assertThrows(RuntimeException.class, () -> pass(own, x, y));
    assertTrue(causes(e).contains("helper failed"), causes(e));
  }

  private static String causes(Throwable t) {
    StringBuilder s = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      s.append(c).append('\n');
    }
    return s.toString();
  }

  @Test
  void aResnet20PassGivesDl4jsGradients() {
    // Residual adds, no max pooling: the BatchNorm and ReLU code on another graph shape.
    ComputationGraph dl4j = new ComputationGraph(Architectures.resnet20(3, 16, 16, 10, 9));
    dl4j.init();
    ComputationGraph own = new ComputationGraph(Architectures.resnet20(3, 16, 16, 10, 9));
    own.init();
    assertTrue(LayerHelpers.install(own) > 0);
    own.setParams(dl4j.params().dup());
    int n = 4;
    INDArray x = Nd4j.create(gaussian(n * 3 * 16 * 16, 8, 0.0, 1.0), new long[] {n, 3, 16, 16}, 'c');
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, i, 1f);
    }
    float[] e = pass(dl4j, x, y).gradient().dup().toFloatVector();
    float[] a = pass(own, x, y).gradient().dup().toFloatVector();
    double scale = 0;
    for (float v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], a[i], 1e-4 * scale, "gradient entry " + i);
    }
  }

  /**
   * The Vector API lane sums are the scalar ones bit for bit: every kind, block lengths with and
   * without a tail, offsets, values over many magnitudes (so a different order of additions would
   * show).
   */
  @Test
  void vectorLaneSumsEqualTheScalarLoopBitForBit() {
    assertTrue(io.bitswitch.quant.DoubleRounding.VECTOR_KERNELS, "the tests run with jdk.incubator.vector");
    java.util.Random r = new java.util.Random(11);
    float[] x = new float[1000];
    float[] y = new float[1000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
      y[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
    }
    int[] lengths = java.util.stream.IntStream.concat(java.util.stream.IntStream.rangeClosed(0, 70),
        java.util.stream.IntStream.of(196, 784)).toArray();
    for (int kind = 0; kind < 3; kind++) {
      for (int length : lengths) {
        for (int from = 0; from < 4; from++) {
          float m = (float) r.nextGaussian();
          double scalar = BatchNormHelper.laneSumScalar(x, y, from, length, m, kind);
          double vector = BatchNormLaneSums.laneSum(x, y, from, length, m, kind);
          assertEquals(Double.doubleToRawLongBits(scalar), Double.doubleToRawLongBits(vector),
              "kind " + kind + ", length " + length + ", from " + from);
        }
      }
    }
  }

  /** The general tiles and the 2×2 path, with ties, signed zeros and a NaN in the 2×2 case. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"2, 6, 4, 3, 2", "3, 4, 6, 2, 2"})
  void maxPoolingForwardTakesEachTilesLargestInput(int planes, int h, int w, int kh, int kw) {
    float[] x = gaussian(planes * h * w, 7, 0, 1);
    if (kh == 2 && kw == 2) {
      x[0] = -0f;
      x[1] = 0f;
      x[w] = -0f;
      x[w + 1] = -0f;
      x[2] = 3f;
      x[w + 3] = 3f;
      x[4] = Float.NaN;
    }
    float[] y = new float[planes * (h / kh) * (w / kw)];
    MaxPoolingHelper.forward(x, planes, h, w, kh, kw, y);
    for (int p = 0; p < planes; p++) {
      for (int i = 0; i < h / kh; i++) {
        for (int j = 0; j < w / kw; j++) {
          float max = Float.NEGATIVE_INFINITY;
          for (int a = 0; a < kh; a++) {
            for (int b = 0; b < kw; b++) {
              max = Math.max(max, x[p * h * w + (i * kh + a) * w + j * kw + b]);
            }
          }
          assertEquals(max, y[(p * (h / kh) + i) * (w / kw) + j]);
        }
      }
    }
  }

  @Test
  void maxPoolingBackwardSendsEachTilesGradientToItsFirstLargestInput() {
    int planes = 3, h = 4, w = 6, kh = 2, kw = 3;
    float[] x = gaussian(planes * h * w, 5, 0, 1);
    // Ties: a tile of zeros (as after a ReLU) and a tile whose maximum appears twice.
    for (int a = 0; a < 2; a++) {
      for (int b = 0; b < 3; b++) {
        x[a * w + b] = 0f;
      }
    }
    x[h * w + 3] = 5f;
    x[h * w + w + 5] = 5f;
    float[] dy = gaussian(planes * (h / kh) * (w / kw), 6, 0, 1);
    float[] dx = new float[x.length];
    java.util.Arrays.fill(dx, Float.NaN); // must be overwritten everywhere
    MaxPoolingHelper.backward(x, dy, planes, h, w, kh, kw, dx);
    float[] expected = new float[x.length];
    for (int p = 0; p < planes; p++) {
      for (int i = 0; i < h / kh; i++) {
        for (int j = 0; j < w / kw; j++) {
          int best = -1;
          for (int a = 0; a < kh; a++) {
            for (int b = 0; b < kw; b++) {
              int k = p * h * w + (i * kh + a) * w + j * kw + b;
              if (best < 0 || x[k] > x[best]) {
                best = k;
              }
            }
          }
          expected[best] = dy[(p * (h / kh) + i) * (w / kw) + j];
        }
      }
    }
    assertArrayEquals(expected, dx);
    assertEquals(dy[0], dx[0], "an all-zero tile sends its gradient to its first element");
    assertEquals(dy[(h / kh) * (w / kw) + 1], dx[h * w + 3], "of two equal maxima the first gets the gradient");
    assertEquals(0f, dx[h * w + w + 5]);
  }
}
