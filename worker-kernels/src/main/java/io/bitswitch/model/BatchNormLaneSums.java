package io.bitswitch.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BatchNormHelper#laneSum} on the JDK Vector API: the same eight float lanes, each adding the
 * terms at offsets ≡ j mod 8 in the same order, then the lanes and the tail in double exactly as the
 * scalar loop does, so the sums are the same bit for bit (lane-wise add, subtract and multiply are
 * IEEE operations, and nothing is fused). Always eight lanes ({@code SPECIES_256}), whatever the
 * machine's preferred width, because the lane count decides the rounding. Loading this class needs
 * {@code jdk.incubator.vector}; {@link BatchNormHelper} calls it only when the JVM has it.
 */
final class BatchNormLaneSums {
  private static final VectorSpecies<Float> EIGHT = FloatVector.SPECIES_256;

  private BatchNormLaneSums() {}

  static double laneSum(float[] x, float[] y, int from, int length, float m, int kind) {
    int full = from + (length / BatchNormHelper.LANES) * BatchNormHelper.LANES;
    int i = from;
    FloatVector lanes = FloatVector.zero(EIGHT);
    if (kind == BatchNormHelper.SUM) {
      for (; i < full; i += BatchNormHelper.LANES) {
        lanes = lanes.add(FloatVector.fromArray(EIGHT, x, i));
      }
    } else if (kind == BatchNormHelper.SQUARED_DEVIATION) {
      for (; i < full; i += BatchNormHelper.LANES) {
        FloatVector d = FloatVector.fromArray(EIGHT, x, i).sub(m);
        lanes = lanes.add(d.mul(d));
      }
    } else {
      for (; i < full; i += BatchNormHelper.LANES) {
        lanes = lanes.add(FloatVector.fromArray(EIGHT, y, i).mul(FloatVector.fromArray(EIGHT, x, i).sub(m)));
      }
    }
    double s = (double) lanes.lane(0) + lanes.lane(1) + lanes.lane(2) + lanes.lane(3) + lanes.lane(4)
        + lanes.lane(5) + lanes.lane(6) + lanes.lane(7);
    return BatchNormHelper.tailSum(s, x, y, i, from + length, m, kind);
  }
}
