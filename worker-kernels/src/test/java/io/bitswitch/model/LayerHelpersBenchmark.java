package io.bitswitch.model;

import java.util.Arrays;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Micro-benchmark of {@link LayerHelpers}: one fmnist-cnn forward and backward pass (FP32, 64
 * examples, the size of a partition's pass at batch 128 on two partitions) with DL4J's oneDNN
 * helpers (before) against the same graph with this project's BatchNorm and max-pooling helpers
 * installed (after), interleaved in one process (A, B, A, B, ...). Prints the median pass time of each and the
 * gain. Not a test: run it by hand (docs/PERFORMANCE.md gives the command).
 */
public final class LayerHelpersBenchmark {
  private LayerHelpersBenchmark() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    int passes = 5;
    ComputationGraph before = graph(false);
    ComputationGraph after = graph(true);
    Nd4j.getRandom().setSeed(1);
    INDArray x = Nd4j.rand(DataType.FLOAT, 64, 1, 28, 28);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 64, 10);
    for (int i = 0; i < 64; i++) {
      y.putScalar(i, i % 10, 1f);
    }
    for (int warm = 0; warm < 10; warm++) {
      pass(before, x, y);
      pass(after, x, y);
    }
    double[] a = new double[rounds];
    double[] b = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      a[r] = time(before, x, y, passes);
      b[r] = time(after, x, y, passes);
    }
    Arrays.sort(a);
    Arrays.sort(b);
    double ma = a[rounds / 2];
    double mb = b[rounds / 2];
    System.out.printf("fmnist-cnn FP32 forward+backward, 64 examples, median of %d rounds of %d passes%n", rounds, passes);
    System.out.printf("DL4J's oneDNN helpers:   %.2f ms per pass%n", ma);
    System.out.printf("LayerHelpers installed:  %.2f ms per pass%n", mb);
    System.out.printf("gain: %.2fx%n", ma / mb);
  }

  private static ComputationGraph graph(boolean ownHelper) {
    ComputationGraph g = new ComputationGraph(Architectures.fmnistCnn(1, 28, 28, 10, 42));
    g.init();
    if (ownHelper && LayerHelpers.install(g) == 0) {
      throw new IllegalStateException("no oneDNN helper to replace: run with "
          + "-Dorg.eclipse.deeplearning4j.helpers.disable=false");
    }
    return g;
  }

  private static void pass(ComputationGraph g, INDArray x, INDArray y) {
    g.setInputs(x);
    g.setLabels(y);
    g.computeGradientAndScore();
  }

  private static double time(ComputationGraph g, INDArray x, INDArray y, int passes) {
    long t0 = System.nanoTime();
    for (int p = 0; p < passes; p++) {
      pass(g, x, y);
    }
    return (System.nanoTime() - t0) / 1e6 / passes;
  }
}
