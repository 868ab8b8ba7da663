package io.bitswitch.hessian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.model.Architectures;
import io.bitswitch.model.ParamLayout;
import io.bitswitch.model.QuantizationPlan;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.quant.BitWidthSet;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Hutchinson's per-layer traces of a tiny DL4J network (through {@link QuantizedGraph#trainPass}
 * at precision 32) against the trace of its full Hessian built by central finite differences of
 * the gradient over every coordinate of the quantized layers' weights.
 *
 * <p>The network: conv 2×2 ReLU (float, first layer) → two parallel quantized conv 2×2 tanh
 * branches → add → softmax output (float, last layer). The quantized layers need a ReLU before
 * them; putting it before the perturbed weights (not between them) keeps the loss smooth in the
 * perturbed coordinates, so finite differences never straddle a ReLU kink.
 */
class NetworkHessianTest {
  private static final int N = 16;

  private static QuantizedGraph tinyNetwork() {
    ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
        .weightInit(WeightInit.XAVIER).graphBuilder().addInputs(Architectures.INPUT)
        .addLayer("stem", new ConvolutionLayer.Builder(2, 2).nOut(2).activation(Activation.RELU).build(),
            Architectures.INPUT)
        .addLayer("qa", new ConvolutionLayer.Builder(2, 2).nOut(2).activation(Activation.TANH).build(), "stem")
        .addLayer("qb", new ConvolutionLayer.Builder(2, 2).nOut(2).activation(Activation.TANH).build(), "stem")
        .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "qa", "qb")
        .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
            .activation(Activation.SOFTMAX).build(), "sum")
        .setOutputs("output").setInputTypes(InputType.convolutional(5, 5, 1)).build();
    QuantizationPlan plan = QuantizationPlan.of(Architectures.fromJson(conf.toJson(), 1, 5, 5));
    return new QuantizedGraph(plan, ParamLayout.of(plan, new int[] {BitWidthSet.FP32_BITS}), new int[] {1, 5, 5});
  }

  @Test
  void perLayerTracesMatchTheFullFiniteDifferenceHessian() {
    QuantizedGraph g = tinyNetwork();
    Hutchinson.Blocks blocks = blocksOf(g);
    assertEquals(2, blocks.count(), "quantized layers: " + blocks);
    Random r = new Random(5);
    float[] x = new float[N * 25];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    int[] y = new int[N];
    for (int i = 0; i < N; i++) {
      y[i] = r.nextInt(3);
    }
    float[] theta = g.initialParameters();
    for (int l = 0; l < blocks.count(); l++) {
      for (int i = blocks.offsets()[l]; i < blocks.offsets()[l] + blocks.lengths()[l]; i++) {
        theta[i] *= 3f; // larger weights: a better-conditioned, clearly non-zero Hessian
      }
    }
    Hutchinson.Gradient gradient = point -> {
      float[] grad = new float[point.length];
      g.trainPass(point, BitWidthSet.FP32_BITS, x, y, N, grad, new double[g.bnStatsLength()]);
      double[] mean = new double[grad.length];
      for (int i = 0; i < grad.length; i++) {
        mean[i] = grad[i] / (double) N;
      }
      return mean;
    };
    double h = Hutchinson.epsilon(theta, blocks);
    double[][] column = new double[theta.length][];
    double[] fdTrace = new double[blocks.count()];
    int total = 0;
    for (int l = 0; l < blocks.count(); l++) {
      for (int i = blocks.offsets()[l]; i < blocks.offsets()[l] + blocks.lengths()[l]; i++) {
        float[] up = theta.clone();
        float[] down = theta.clone();
        up[i] = (float) (theta[i] + h);
        down[i] = (float) (theta[i] - h);
        column[i] = Hutchinson.hessianVector(gradient.at(up), gradient.at(down), (up[i] - (double) down[i]) / 2);
        fdTrace[l] += column[i][i];
        total++;
      }
    }
    assertTrue(total >= 32);
    // Every probe: v_l·(Hv)_l from one directional difference equals the same quadratic form of the
    // Hessian assembled from coordinate-wise differences.
    for (int k = 0; k < 10; k++) {
      float[] v = Hutchinson.rademacher(13L, k, theta.length, blocks);
      double[] hv = new double[theta.length];
      for (int j = 0; j < theta.length; j++) {
        if (column[j] != null) {
          for (int i = 0; i < theta.length; i++) {
            hv[i] += column[j][i] * v[j];
          }
        }
      }
      double[] expected = Hutchinson.blockProducts(v, hv, blocks);
      double[] got = Hutchinson.probe(gradient, theta, blocks, 13L, k);
      for (int l = 0; l < blocks.count(); l++) {
        assertEquals(expected[l], got[l], 2e-2 * Math.abs(expected[l]) + 2e-3, "probe " + k + " layer " + l);
      }
    }
    Hutchinson.Estimate e = Hutchinson.estimate(gradient, theta, blocks, 13L, 1500, 0);
    for (int l = 0; l < blocks.count(); l++) {
      double est = e.traces()[l];
      double se = e.standardErrors()[l];
      double exact = fdTrace[l];
      String what = blocks.names()[l] + ": Hutchinson " + est + " ± " + se + ", finite-difference Hessian " + exact;
      System.out.println(what);
      assertTrue(Math.abs(exact) > 1e-2, what);
      assertTrue(Math.abs(est - exact) <= 4 * se + 1e-3 * Math.abs(exact), what);
      assertTrue(se < 0.05 * Math.abs(exact), what);
    }
  }

  private static Hutchinson.Blocks blocksOf(QuantizedGraph g) {
    var q = g.plan().quantizedLayers();
    String[] names = new String[q.size()];
    int[] offsets = new int[q.size()];
    int[] lengths = new int[q.size()];
    for (int l = 0; l < q.size(); l++) {
      ParamLayout.Segment s = g.layout().get(q.get(l).name(), ParamLayout.Kind.WEIGHT, 0);
      names[l] = q.get(l).name();
      offsets[l] = s.offset();
      lengths[l] = s.length();
    }
    return new Hutchinson.Blocks(names, offsets, lengths);
  }
}
