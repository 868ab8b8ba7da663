package io.bitswitch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** The distillation loss against finite differences of itself and against DL4J's cross-entropy. */
class DistillationLossTest {
  private static final int N = 4;
  private static final int C = 5;

  private static INDArray matrix(double[] values) {
    return Nd4j.create(values, new long[] {N, C}, 'c').castTo(DataType.DOUBLE);
  }

  private static double[] random(Random r, double scale) {
    double[] v = new double[N * C];
    for (int i = 0; i < v.length; i++) {
      v[i] = scale * r.nextGaussian();
    }
    return v;
  }

  private static double[] oneHot(Random r) {
    double[] y = new double[N * C];
    for (int i = 0; i < N; i++) {
      y[i * C + r.nextInt(C)] = 1;
    }
    return y;
  }

  private static float[] teacher(Random r) {
    double[] z = random(r, 2);
    float[] q = new float[N * C];
    for (int i = 0; i < N; i++) {
      double sum = 0;
      for (int j = 0; j < C; j++) {
        sum += Math.exp(z[i * C + j]);
      }
      for (int j = 0; j < C; j++) {
        q[i * C + j] = (float) (Math.exp(z[i * C + j]) / sum);
      }
    }
    return q;
  }

  @Test
  void gradientMatchesFiniteDifferencesOfTheLoss() {
    Random r = new Random(3);
    for (double[] setting : new double[][] {{0.5, 1}, {0.3, 4}, {0.9, 0.5}}) {
      DistillationLoss loss = new DistillationLoss();
      loss.teach(teacher(r), setting[0], setting[1]);
      double[] z = random(r, 1.5);
      INDArray labels = matrix(oneHot(r));
      INDArray grad = loss.computeGradient(labels, matrix(z), new ActivationSoftmax(), null);
      double h = 1e-4;
      for (int i = 0; i < z.length; i++) {
        double[] plus = z.clone();
        double[] minus = z.clone();
        plus[i] += h;
        minus[i] -= h;
        double numeric = (loss.computeScore(labels, matrix(plus), new ActivationSoftmax(), null, false)
            - loss.computeScore(labels, matrix(minus), new ActivationSoftmax(), null, false)) / (2 * h);
        assertEquals(numeric, grad.getDouble(i / C, i % C), 1e-4, "logit " + i + " at " + setting[0] + ", T=" + setting[1]);
      }
    }
  }

  @Test
  void withoutTeacherItIsDl4jsCrossEntropyAndCapturesTheSoftmax() {
    Random r = new Random(5);
    DistillationLoss loss = new DistillationLoss();
    float[] captured = new float[N * C];
    loss.teach(null, 0.5, 2);
    loss.capture(captured);
    INDArray z = matrix(random(r, 2));
    INDArray labels = matrix(oneHot(r));
    LossMCXENT reference = new LossMCXENT();
    assertEquals(reference.computeScore(labels, z.dup(), new ActivationSoftmax(), null, true),
        loss.computeScore(labels, z, new ActivationSoftmax(), null, true), 1e-9);
    INDArray want = reference.computeGradient(labels, z.dup(), new ActivationSoftmax(), null);
    INDArray got = loss.computeGradient(labels, z, new ActivationSoftmax(), null);
    INDArray p = new ActivationSoftmax().getActivation(z.dup(), false);
    for (int i = 0; i < N * C; i++) {
      assertEquals(want.getDouble(i / C, i % C), got.getDouble(i / C, i % C), 1e-6);
      assertEquals(p.getDouble(i / C, i % C), captured[i], 1e-6);
    }
  }

  @Test
  void aPerfectStudentOfTheTeacherHasOnlyTheLabelTerm() {
    Random r = new Random(7);
    float[] q = teacher(r);
    double[] logits = new double[N * C];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = Math.log(q[i]);
    }
    INDArray labels = matrix(oneHot(r));
    DistillationLoss distilled = new DistillationLoss();
    distilled.teach(q, 0.4, 3);
    DistillationLoss plain = new DistillationLoss();
    assertEquals(0.6 * plain.computeScore(labels, matrix(logits), new ActivationSoftmax(), null, false),
        distilled.computeScore(labels, matrix(logits), new ActivationSoftmax(), null, false), 1e-5);
  }
}
