package io.bitswitch.train;

import java.io.Serializable;

/**
 * What one executor task returns for one step: per precision (in the order of the round's
 * precisions) the gradient of the summed loss in θ's layout, the BatchNorm batch-statistic sums
 * and the summed loss, plus the example count. Sums of these over partitions, taken in partition
 * order, give the global batch's sums bit-reproducibly.
 */
public final class PassSums implements Serializable {
  private static final long serialVersionUID = 1L;

  final float[][] gradient;
  final double[][] bnStats;
  final double[] loss;
  long examples;
  /**
   * Distillation teachers: from a task, its slice's softmax of the round's first pass (one entry);
   * on the driver, one entry per partition in partition order. Null without distillation.
   */
  float[][] teachers;

  PassSums(int precisions, int thetaSize, int bnStatsSize) {
    gradient = new float[precisions][thetaSize];
    bnStats = new double[precisions][bnStatsSize];
    loss = new double[precisions];
  }

  /** Adds {@code other} into this (element-wise). */
  void add(PassSums other) {
    for (int p = 0; p < gradient.length; p++) {
      float[] g = gradient[p];
      float[] o = other.gradient[p];
      for (int i = 0; i < g.length; i++) {
        g[i] += o[i];
      }
      double[] b = bnStats[p];
      double[] ob = other.bnStats[p];
      for (int i = 0; i < b.length; i++) {
        b[i] += ob[i];
      }
      loss[p] += other.loss[p];
    }
    examples += other.examples;
  }
}
