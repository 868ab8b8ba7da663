package io.bitswitch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.model.ParamLayout.Kind;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.model.QuantizationPlan.LayerInfo;
import io.bitswitch.model.QuantizationPlan.Role;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class QuantizedGraphTest {
  static final int[] SHAPE = {1, 28, 28};
  static final int[] BITS = {8, 6, 4, 2};

  static QuantizedGraph fmnist(int[] precisions) {
    QuantizationPlan plan = QuantizationPlan.of(Architectures.fmnistCnn(1, 28, 28, 10, 7));
    return new QuantizedGraph(plan, ParamLayout.of(plan, precisions), SHAPE);
  }

  static float[] randomImages(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 28 * 28];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  @Test
  void fmnistPlanQuantizesTheMiddleLayers() {
    QuantizationPlan plan = QuantizationPlan.of(Architectures.fmnistCnn(1, 28, 28, 10, 7));
    List<String> q = plan.quantizedLayers().stream().map(LayerInfo::name).toList();
    assertEquals(List.of("conv2", "conv3", "conv4", "fc1"), q);
    assertEquals(Role.FLOAT, plan.layers().get(0).role());
    assertEquals("conv1", plan.layers().get(0).name());
    assertEquals(Role.FLOAT, plan.layers().get(plan.layers().size() - 1).role());
    assertEquals(3136, plan.layers().stream().filter(l -> l.name().equals("fc1")).findFirst().get().weightShape()[0]);
  }

  @Test
  void batchStatisticsEqualThoseOfTheBatchNormInput() {
    QuantizedGraph g = fmnist(BITS);
    float[] theta = g.initialParameters();
    int n = 6;
    float[] x = randomImages(n, 3);
    int[] y = {0, 1, 2, 3, 4, 5};
    g.initActivationScales(theta, x, n);
    float[] grad = new float[theta.length];
    double[] stats = new double[g.bnStatsLength()];
    g.trainPass(theta, 4, x, y, n, grad, stats);
    // Reference: the BN inputs of a training-mode forward pass at the same precision.
    g.load(theta, 4, true);
    Map<String, INDArray> acts = g.graph().feedForward(Nd4j.create(x, new long[] {n, 1, 28, 28}, 'c'), true);
    for (int i = 0; i < g.bnLayers().size(); i++) {
      LayerInfo bn = g.bnLayers().get(i);
      String source = g.graph().getConfiguration().getVertexInputs().get(bn.name()).get(0);
      INDArray in = acts.get(source);
      INDArray mean = in.rank() == 4 ? in.mean(0, 2, 3) : in.mean(0);
      INDArray var = in.rank() == 4 ? in.var(false, 0, 2, 3) : in.var(false, 0);
      int off = g.bnStatsOffset(i);
      int c = bn.outChannels();
      for (int ch = 0; ch < c; ch++) {
        double m = stats[off + 1 + ch] / stats[off];
        double v = stats[off + 1 + c + ch] / stats[off] - m * m;
        assertEquals(mean.getDouble(ch), m, 1e-4, bn.name() + " mean");
        assertEquals(var.getDouble(ch), v, 1e-3 * Math.max(1, var.getDouble(ch)), bn.name() + " var");
      }
    }
  }

  @Test
  void sgdLowersTheLossAtEveryPrecision() {
    int n = 16;
    float[] x = randomImages(n, 5);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 10;
    }
    // As in the product: a short FP32 phase first, then joint QAT from it.
    QuantizedGraph fp = fmnist(new int[] {32});
    float[] fpTheta = fp.initialParameters();
    for (int step = 0; step < 3; step++) {
      float[] grad = new float[fpTheta.length];
      fp.trainPass(fpTheta, 32, x, y, n, grad, new double[fp.bnStatsLength()]);
      for (Segment s : fp.layout().segments()) {
        for (int i = s.offset(); s.trainable() && i < s.offset() + s.length(); i++) {
          fpTheta[i] -= 0.01f * grad[i] / n;
        }
      }
    }
    QuantizedGraph g = fmnist(BITS);
    float[] theta = g.fromFloatModel(fpTheta, fp.layout());
    g.initActivationScales(theta, x, n);
    double[] first = new double[BITS.length];
    double[] last = new double[BITS.length];
    for (int step = 0; step < 15; step++) {
      for (int k = 0; k < BITS.length; k++) {
        float[] grad = new float[theta.length];
        double loss = g.trainPass(theta, BITS[k], x, y, n, grad, new double[g.bnStatsLength()]);
        if (step == 0) {
          first[k] = loss;
        }
        last[k] = loss;
        for (Segment s : g.layout().segments()) {
          if (!s.trainable() || !s.activeAt(BITS[k])) {
            continue;
          }
          for (int i = s.offset(); i < s.offset() + s.length(); i++) {
            if (s.isScale()) {
              // scales move in log space, as the product's optimiser does
              theta[i] *= (float) Math.exp(-0.01 * theta[i] * grad[i] / n);
            } else {
              theta[i] -= 0.003f * grad[i] / n;
            }
          }
        }
      }
    }
    for (int k = 0; k < BITS.length; k++) {
      assertTrue(last[k] < first[k], "loss at " + BITS[k] + " bits: " + first[k] + " -> " + last[k]);
    }
  }

  @Test
  void floatPassGivesDl4jGradientAtLatentWeights() {
    QuantizedGraph g = fmnist(new int[] {32});
    float[] theta = g.initialParameters();
    int n = 4;
    float[] x = randomImages(n, 9);
    int[] y = {1, 2, 3, 4};
    float[] grad = new float[theta.length];
    double loss = g.trainPass(theta, 32, x, y, n, grad, new double[g.bnStatsLength()]);
    // Central differences on a few output-layer weights (smooth there).
    Segment w = g.layout().get("output", Kind.FLOAT_WEIGHT, 0);
    for (int k = 0; k < 5; k++) {
      int i = w.offset() + k * 97;
      float eps = 1e-2f;
      float orig = theta[i];
      theta[i] = orig + eps;
      double up = g.trainPass(theta, 32, x, y, n, new float[theta.length], new double[g.bnStatsLength()]);
      theta[i] = orig - eps;
      double down = g.trainPass(theta, 32, x, y, n, new float[theta.length], new double[g.bnStatsLength()]);
      theta[i] = orig;
      double fd = (up - down) / (2 * eps);
      assertEquals(fd, grad[i], 2e-3 + 2e-2 * Math.abs(fd), "weight " + i + " loss " + loss);
    }
  }

  @Test
  void aQuantizedLayerWithoutReluBeforeItIsRefused() {
    org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = Architectures.fromJson(
        new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list()
            .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(4)
                .activation(org.nd4j.linalg.activations.Activation.TANH).build())
            .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(4)
                .activation(org.nd4j.linalg.activations.Activation.RELU).build())
            .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(10)
                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
            .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(28, 28, 1)).build().toJson(),
        1, 28, 28);
    io.bitswitch.InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.bitswitch.InvalidInputException.class, () -> QuantizationPlan.of(conf));
    assertTrue(e.getMessage().contains("layer1") && e.getMessage().contains("negative"), e.getMessage());
  }

  @Test
  void layersThatCannotBeQuantizedAsSpecifiedAreRefused() {
    org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = Architectures.fromJson(
        new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list()
            .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(4)
                .activation(org.nd4j.linalg.activations.Activation.RELU).build())
            .layer(new org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D.Builder(3, 3).nOut(4)
                .activation(org.nd4j.linalg.activations.Activation.RELU).build())
            .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(10)
                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
            .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(28, 28, 1)).build().toJson(),
        1, 28, 28);
    io.bitswitch.InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.bitswitch.InvalidInputException.class, () -> QuantizationPlan.of(conf));
    assertTrue(e.getMessage().contains("DepthwiseConvolution2D"), e.getMessage());
  }
  @Test
  void fanInUniformDrawsWeightsAndBiasesWithinOneOverRootFanInSeeded() {
    QuantizedGraph g = fmnist(BITS);
    ParamLayout layout = g.layout();
    float[] theta = g.initialParameters(ParameterInit.FAN_IN_UNIFORM, 11);
    assertArrayEquals(theta, g.initialParameters(ParameterInit.FAN_IN_UNIFORM, 11), "same seed, same draw");
    for (LayerInfo l : g.plan().layers()) {
      if (l.role() == Role.BATCHNORM) {
        continue;
      }
      double bound = 1 / Math.sqrt((double) l.weightCount() / l.outChannels());
      Segment w = layout.find(l.name(), Kind.WEIGHT, 0);
      Segment weights = w != null ? w : layout.get(l.name(), Kind.FLOAT_WEIGHT, 0);
      Segment bias = layout.find(l.name(), Kind.BIAS, 0);
      for (Segment s : bias == null ? List.of(weights) : List.of(weights, bias)) {
        double max = 0;
        for (int i = s.offset(); i < s.offset() + s.length(); i++) {
          max = Math.max(max, Math.abs(theta[i]));
        }
        assertTrue(max <= bound, s + ": " + max + " > " + bound);
        // Uniform over the whole range, not a narrower law: the largest draw comes close to the bound.
        assertTrue(s.length() < 50 || max > 0.9 * bound, s + ": largest " + max + " of bound " + bound);
      }
      if (w != null) {
        float[] scales = ParamLayout.slice(theta, layout.get(l.name(), Kind.WEIGHT_SCALE, 0));
        assertArrayEquals(io.bitswitch.quant.DoubleRounding.initScales(ParamLayout.slice(theta, w), scales.length, 8),
            scales, "weight scales follow the drawn weights");
      }
    }
    // He-normal keeps the configuration's own (DL4J) draw.
    assertArrayEquals(g.initialParameters(), g.initialParameters(ParameterInit.HE_NORMAL, 11));
  }

  /**
   * A graph is cached per thread and serves run after run in one JVM: once it has run with another
   * θ, a fresh model must still start from the configuration's own initialisation (it used to start
   * from the weights of whatever ran last).
   */
  @Test
  void initialParametersDoNotDependOnWhatTheGraphRanBefore() {
    QuantizedGraph g = fmnist(BITS);
    float[] fresh = g.initialParameters();
    float[] other = g.initialParameters(ParameterInit.FAN_IN_UNIFORM, 5);
    g.load(other, BITS[0], true);
    assertArrayEquals(fresh, g.initialParameters());
    assertArrayEquals(fresh, fmnist(BITS).initialParameters(), "the same as a newly built graph's");
  }

  /**
   * Executors keep one graph per thread (ModelSpec#graph) and Spark gives a thread any partition,
   * so a training pass must equal, bit for bit, the same pass on a newly built graph whatever the
   * graph ran before: other precisions, batch sizes, inference and a distillation pass.
   */
  @Test
  void aTrainPassDoesNotDependOnWhatTheGraphRanBefore() {
    QuantizedGraph used = fmnist(BITS);
    float[] theta = used.initialParameters();
    float[] otherTheta = used.initialParameters(ParameterInit.FAN_IN_UNIFORM, 5);
    int[] otherLabels = new int[48];
    for (int i = 0; i < otherLabels.length; i++) {
      otherLabels[i] = (i * 7) % 10;
    }
    float[] teacher = new float[48 * 10];
    used.trainPass(otherTheta, used.uniform(2), randomImages(48, 3), otherLabels, 48, new float[theta.length],
        new double[used.bnStatsLength()], null, 0, 1, teacher);
    used.trainPass(otherTheta, used.uniform(4), randomImages(48, 4), otherLabels, 48, new float[theta.length],
        new double[used.bnStatsLength()], teacher, 0.5, 2, null);
    used.load(otherTheta, 32, false);
    used.output(randomImages(100, 5), 100);
    used.load(otherTheta, 8, false);
    used.output(randomImages(7, 6), 7);

    float[] x = randomImages(32, 11);
    int[] labels = new int[32];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (i * 3) % 10;
    }
    for (int precision : new int[] {8, 2, 32}) {
      QuantizedGraph fresh = fmnist(BITS);
      float[] expected = new float[theta.length];
      double[] expectedStats = new double[fresh.bnStatsLength()];
      double expectedLoss = fresh.trainPass(theta, precision, x, labels, 32, expected, expectedStats);
      float[] actual = new float[theta.length];
      double[] actualStats = new double[used.bnStatsLength()];
      double actualLoss = used.trainPass(theta, precision, x, labels, 32, actual, actualStats);
      assertEquals(expectedLoss, actualLoss, 0, "loss at " + precision);
      assertArrayEquals(expected, actual, "gradient at " + precision);
      assertArrayEquals(expectedStats, actualStats, "BatchNorm statistics at " + precision);
    }
  }
}
