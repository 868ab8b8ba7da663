package io.bitswitch.model;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between Java {@code float[]} and ND4J arrays. ND4J's own {@code DataBuffer.asFloat()}
 * and {@code Nd4j.create(float[], ...)} copy one element per call, which a profile of training found
 * to cost about a fifth of the executors' time; these go through the native buffer's
 * {@link FloatBuffer} view in one bulk transfer and give the same floats.
 */
final class NdArrays {
  private NdArrays() {}

  /** The elements of {@code a} in {@code order} ('c' = row-major), as float. */
  static float[] toFloats(INDArray a, char order) {
    return toFloats(a, order, null);
  }

  /**
   * As {@link #toFloats(INDArray, char)}, written into {@code reuse} when it has exactly the
   * length of {@code a} (a per-layer buffer kept across passes), into a new array otherwise.
   */
  static float[] toFloats(INDArray a, char order, float[] reuse) {
    INDArray dense = a.dataType() == DataType.FLOAT && !a.isView() && a.ordering() == order
        && a.data().length() == a.length() ? a : a.castTo(DataType.FLOAT).dup(order);
    int n = Math.toIntExact(dense.length());
    float[] out = reuse != null && reuse.length == n ? reuse : new float[n];
    FloatBuffer view = dense.data().asNioFloat();
    view.get(out);
    // The view does not keep the array's native memory alive (JavaCPP's Pointer.asByteBuffer).
    // Without the fence a GC during the copy could free a temporary `dense` and the copy read freed
    // memory: the rare non-reproducible runs of docs/design/architecture.md §2, "Reproducible sums".
    Reference.reachabilityFence(dense);
    return out;
  }

  /** The elements of {@code a} in row-major order, as float. */
  static float[] toFloats(INDArray a) {
    return toFloats(a, 'c');
  }

  /** A new float array of {@code shape} in {@code order} holding {@code values}. */
  static INDArray fromFloats(float[] values, long[] shape, char order) {
    return put(Nd4j.createUninitialized(DataType.FLOAT, shape, order), values);
  }

  /**
   * Writes {@code values} into {@code out}, a float array of their length that owns its buffer (not
   * a view), e.g. one just created in a DL4J workspace; returns {@code out}.
   */
  static INDArray put(INDArray out, float[] values) {
    if (out.length() != values.length || out.isView() || out.dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException(values.length + " values for a " + out.dataType() + " array of shape "
          + java.util.Arrays.toString(out.shape()) + (out.isView() ? " (a view)" : ""));
    }
    out.data().asNioFloat().put(values);
    Reference.reachabilityFence(out); // as in toFloats: the view does not keep `out` alive
    return out;
  }

  /** A new row-major float array of {@code shape} holding {@code values}. */
  static INDArray fromFloats(float[] values, long... shape) {
    return fromFloats(values, shape, 'c');
  }

  /** Sets the elements of {@code view} (in {@code order}) to {@code values}. */
  static void assign(INDArray view, float[] values, char order) {
    view.assign(fromFloats(values, view.shape(), order));
  }
}
