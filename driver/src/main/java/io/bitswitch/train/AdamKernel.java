package io.bitswitch.train;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Adam}'s update of a plain (not a scale) segment on the JDK Vector API, four elements at a
 * time in double: the same IEEE operations in the same order as the scalar loop (float to double
 * and back, multiply, add, divide, square root; nothing fused), so the same floats bit for bit. The
 * driver runs Adam between the rounds of a step while the executors wait (docs/PERFORMANCE.md).
 * Loading this class needs {@code jdk.incubator.vector}; {@link Adam} calls it only when the JVM has it.
 */
final class AdamKernel {
  private static final VectorSpecies<Float> FOUR_FLOATS = FloatVector.SPECIES_128;
  private static final VectorSpecies<Double> FOUR_DOUBLES = DoubleVector.SPECIES_256;

  private AdamKernel() {}

  /**
   * Elements {@code from} (inclusive) to {@code end} of a segment with L2 coefficient {@code wd};
   * returns the first element it did not do (the caller finishes the tail with the scalar loop).
   */
  static int plainSteps(float[] theta, float[] grad, float[] m, float[] v, int from, int end, double lr, double wd,
      double c1, double c2, double beta1, double beta2, double eps) {
    double oneMinusBeta1 = 1 - beta1;
    double oneMinusBeta2 = 1 - beta2;
    int i = from;
    for (int full = from + FOUR_FLOATS.loopBound(end - from); i < full; i += FOUR_FLOATS.length()) {
      DoubleVector th = wide(theta, i);
      DoubleVector g = wide(grad, i).add(th.mul(wd));
      DoubleVector mi = wide(m, i).mul(beta1).add(g.mul(oneMinusBeta1));
      DoubleVector vi = wide(v, i).mul(beta2).add(g.mul(oneMinusBeta2).mul(g));
      narrow(mi).intoArray(m, i);
      narrow(vi).intoArray(v, i);
      DoubleVector step = mi.div(c1).mul(lr).div(vi.div(c2).sqrt().add(eps));
      narrow(th.sub(step)).intoArray(theta, i);
    }
    return i;
  }

  private static DoubleVector wide(float[] a, int i) {
    return (DoubleVector) FloatVector.fromArray(FOUR_FLOATS, a, i).convertShape(VectorOperators.F2D, FOUR_DOUBLES, 0);
  }

  private static FloatVector narrow(DoubleVector d) {
    return (FloatVector) d.convertShape(VectorOperators.D2F, FOUR_FLOATS, 0);
  }
}
