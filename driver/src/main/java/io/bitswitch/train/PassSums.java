package io.bitswitch.train;

import io.bitswitch.aggregate.TreeSum;
import java.io.Serializable;

/**
 * What one executor task returns for one step: per precision (in the order of the round's
 * precisions) the gradient of the summed loss in θ's layout, the BatchNorm batch-statistic sums
 * and the summed loss, plus the example count. Sums of these over partitions, taken in a fixed
 * order ({@link TreeSum}), give the global batch's sums bit-reproducibly.
 */
public final class PassSums implements Serializable {
  private static final long serialVersionUID = 1L;

  final float[][] gradient;
  final double[][] bnStats;
  final double[] loss;
  long examples;
  /** How many partitions' results this sums: 1 from a task, all of them on the driver. */
  int partitions = 1;
  /**
   * Distillation teachers, one entry per partition summed, in partition order: from a task, its
   * slice's softmax of the round's first pass (null when its slice was empty). Null without
   * distillation.
   */
  float[][] teachers;

  PassSums(int precisions, int thetaSize, int bnStatsSize) {
    gradient = new float[precisions][thetaSize];
    bnStats = new double[precisions][bnStatsSize];
    loss = new double[precisions];
  }

  /**
   * Adds {@code other}, the results of the partitions right after this one's, into this
   * (element-wise) and appends its teachers; returns this.
   */
  PassSums add(PassSums other) {
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
    if (teachers != null || other.teachers != null) {
      float[][] joined = new float[partitions + other.partitions][];
      if (teachers != null) {
        System.arraycopy(teachers, 0, joined, 0, partitions);
      }
      if (other.teachers != null) {
        System.arraycopy(other.teachers, 0, joined, partitions, other.partitions);
      }
      teachers = joined;
    }
    partitions += other.partitions;
    return this;
  }
}
