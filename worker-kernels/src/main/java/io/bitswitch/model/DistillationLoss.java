package io.bitswitch.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Softmax cross-entropy with an optional in-place distillation term (docs/design/method.md §4),
 * installed on a training graph's output layer when distillation is on. For logits z, labels y,
 * teacher probabilities q (softmax of the highest precision's logits, a constant) and weight α,
 * temperature T, per example:
 *
 * <pre>
 * L = (1 − α) · CE(y, softmax(z)) + α · T² · KL( softmax(log q / T) ‖ softmax(z / T) )
 * ∂L/∂z = (1 − α) · (softmax(z) − y) + α · T · (softmax(z / T) − softmax(log q / T))
 * </pre>
 *
 * Without a teacher it is plain softmax cross-entropy. It can also keep the softmax of the pass it
 * computed (what the highest precision's pass hands to the lower ones). The per-pass settings are
 * mutable: one instance belongs to one graph, which one thread uses.
 */
final class DistillationLoss implements ILossFunction {
  private static final long serialVersionUID = 1L;
  private static final double LOG_FLOOR = 1e-30;

  private transient float[] teacher;
  private transient double weight;
  private transient double temperature = 1;
  private transient float[] captured;

  /** The next pass learns from {@code teacher} ([n, C] probabilities) with weight α and temperature T. */
  void teach(float[] teacher, double weight, double temperature) {
    this.teacher = teacher;
    this.weight = teacher == null ? 0 : weight;
    this.temperature = temperature;
  }

  /** The next pass writes its softmax into {@code out} ([n, C]); null: not kept. */
  void capture(float[] out) {
    this.captured = out;
  }

  private static void requireSoftmax(IActivation fn) {
    if (!(fn instanceof ActivationSoftmax)) {
      throw new IllegalStateException("distillation needs a softmax output layer, not " + fn);
    }
  }

  /** Per-example loss and, when {@code grad} is non-null, ∂L/∂z into it. */
  private double[] lossAndGradient(double[] y, double[] z, int n, int c, double[] grad) {
    double[] loss = new double[n];
    double t = temperature;
    double[] p = new double[c];
    double[] pt = new double[c];
    double[] qt = new double[c];
    for (int i = 0; i < n; i++) {
      int o = i * c;
      softmax(z, o, c, 1, p);
      double ce = 0;
      for (int j = 0; j < c; j++) {
        ce -= y[o + j] * Math.log(Math.max(p[j], LOG_FLOOR));
      }
      double l = (1 - weight) * ce;
      if (weight > 0) {
        softmax(z, o, c, t, pt);
        double[] logQ = new double[c];
        for (int j = 0; j < c; j++) {
          logQ[j] = Math.log(Math.max(teacher[o + j], LOG_FLOOR));
        }
        softmax(logQ, 0, c, t, qt);
        double kl = 0;
        for (int j = 0; j < c; j++) {
          if (qt[j] > 0) {
            kl += qt[j] * (Math.log(Math.max(qt[j], LOG_FLOOR)) - Math.log(Math.max(pt[j], LOG_FLOOR)));
          }
        }
        l += weight * t * t * kl;
      }
      loss[i] = l;
      if (grad != null) {
        for (int j = 0; j < c; j++) {
          double g = (1 - weight) * (p[j] - y[o + j]);
          if (weight > 0) {
            g += weight * t * (pt[j] - qt[j]);
          }
          grad[o + j] = g;
        }
      }
      if (captured != null) {
        for (int j = 0; j < c; j++) {
          captured[o + j] = (float) p[j];
        }
      }
    }
    return loss;
  }

  private static void softmax(double[] z, int offset, int c, double t, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < c; j++) {
      max = Math.max(max, z[offset + j] / t);
    }
    double sum = 0;
    for (int j = 0; j < c; j++) {
      out[j] = Math.exp(z[offset + j] / t - max);
      sum += out[j];
    }
    for (int j = 0; j < c; j++) {
      out[j] /= sum;
    }
  }

  private static double[] doubles(INDArray a) {
    return a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
  }

  private double[] scores(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask) {
    requireSoftmax(fn);
    if (mask != null) {
      throw new IllegalStateException("distillation does not support masks");
    }
    int n = (int) preOutput.size(0);
    int c = (int) preOutput.size(1);
    return lossAndGradient(doubles(labels), doubles(preOutput), n, c, null);
  }

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask, boolean average) {
    double[] s = scores(labels, preOutput, fn, mask);
    double sum = 0;
    for (double v : s) {
      sum += v;
    }
    return average ? sum / s.length : sum;
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask) {
    return Nd4j.createFromArray(scores(labels, preOutput, fn, mask)).castTo(preOutput.dataType()).reshape(-1, 1);
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask) {
    requireSoftmax(fn);
    if (mask != null) {
      throw new IllegalStateException("distillation does not support masks");
    }
    int n = (int) preOutput.size(0);
    int c = (int) preOutput.size(1);
    double[] grad = new double[n * c];
    lossAndGradient(doubles(labels), doubles(preOutput), n, c, grad);
    return Nd4j.create(grad, new long[] {n, c}, 'c').castTo(preOutput.dataType());
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation fn,
      INDArray mask, boolean average) {
    return new Pair<>(computeScore(labels, preOutput, fn, mask, average), computeGradient(labels, preOutput, fn, mask));
  }

  @Override
  public String name() {
    return "DistillationLoss";
  }
}
