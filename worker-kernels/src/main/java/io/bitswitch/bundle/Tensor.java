package io.bitswitch.bundle;

import io.bitswitch.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named, typed, shaped array, immutable. The data is held as the little-endian bytes that the
 * safetensors file stores, so writing a tensor copies bytes and never reinterprets numbers; shape
 * is row-major (the last dimension varies fastest). A rank-0 tensor (shape {@code []}) holds one
 * element.
 */
public final class Tensor {
  private final String name;
  private final DType dtype;
  private final int[] shape;
  private final byte[] data;

  private Tensor(String name, DType dtype, int[] shape, byte[] data) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
  }

  /**
   * A tensor from raw little-endian bytes (copied).
   *
   * @throws InvalidInputException when the name is empty, a dimension is negative, or
   *     {@code data.length != product(shape) · dtype.byteSize()}
   */
  public static Tensor of(String name, DType dtype, int[] shape, byte[] data) {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    if (name == null || name.isEmpty()) {
      throw new InvalidInputException("tensor name is empty");
    }
    long expected = elementCount(name, shape) * dtype.byteSize();
    if (expected != data.length) {
      throw new InvalidInputException("tensor '" + name + "' has " + data.length + " bytes but shape "
          + Arrays.toString(shape) + " of " + dtype.safetensorsName() + " needs " + expected);
    }
    return new Tensor(name, dtype, shape.clone(), data.clone());
  }

  /** A tensor over bytes that the caller hands over (not copied); sizes already checked. */
  static Tensor wrap(String name, DType dtype, int[] shape, byte[] data) {
    return checkedWrap(name, dtype, shape, data, data.length / dtype.byteSize());
  }

  /** An F32 tensor. */
  public static Tensor ofFloats(String name, int[] shape, float[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return checkedWrap(name, DType.F32, shape, buf.array(), values.length);
  }

  /** An I8 tensor (Double Rounding codes). */
  public static Tensor ofBytes(String name, int[] shape, byte[] values) {
    return checkedWrap(name, DType.I8, shape, values.clone(), values.length);
  }

  /** A U8 tensor; {@code values} are read as unsigned. */
  public static Tensor ofUnsignedBytes(String name, int[] shape, byte[] values) {
    return checkedWrap(name, DType.U8, shape, values.clone(), values.length);
  }

  /** An I32 tensor. */
  public static Tensor ofInts(String name, int[] shape, int[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asIntBuffer().put(values);
    return checkedWrap(name, DType.I32, shape, buf.array(), values.length);
  }

  // Takes ownership of freshly made bytes, avoiding the second copy that of() would make.
  private static Tensor checkedWrap(String name, DType dtype, int[] shape, byte[] data, int count) {
    Objects.requireNonNull(shape, "shape");
    if (name == null || name.isEmpty()) {
      throw new InvalidInputException("tensor name is empty");
    }
    long expected = elementCount(name, shape);
    if (expected != count) {
      throw new InvalidInputException("tensor '" + name + "' has " + count + " elements but shape "
          + Arrays.toString(shape) + " needs " + expected);
    }
    return new Tensor(name, dtype, shape.clone(), data);
  }

  /** Product of the dimensions; checks that none is negative and that it fits in an int. */
  static long elementCount(String name, int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new InvalidInputException("tensor '" + name + "' has negative dimension in shape "
            + Arrays.toString(shape));
      }
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new InvalidInputException("tensor '" + name + "' with shape " + Arrays.toString(shape)
            + " has more than " + Integer.MAX_VALUE + " elements");
      }
    }
    return n;
  }

  /** The tensor's name, e.g. {@code conv1.weight.q}. */
  public String name() {
    return name;
  }

  /** The element type. */
  public DType dtype() {
    return dtype;
  }

  /** The shape (a copy). */
  public int[] shape() {
    return shape.clone();
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Number of elements: the product of the shape. */
  public int elementCount() {
    return data.length / dtype.byteSize();
  }

  /** Bytes the data takes. */
  public long byteSize() {
    return data.length;
  }

  /** The raw little-endian bytes (a copy). */
  public byte[] data() {
    return data.clone();
  }

  /** The raw bytes without copying, for the writer in this package; callers must not modify them. */
  byte[] dataUnsafe() {
    return data;
  }

  /** The values of an F32 tensor. */
  public float[] floats() {
    requireType(DType.F32);
    float[] out = new float[elementCount()];
    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /** The bytes of an I8 or U8 tensor (a copy); for I8 these are the signed codes. */
  public byte[] codes() {
    if (dtype != DType.I8 && dtype != DType.U8) {
      throw new InvalidInputException("tensor '" + name + "' is " + dtype.safetensorsName()
          + ", not I8 or U8");
    }
    return data.clone();
  }

  /** The values of an I32 tensor. */
  public int[] ints() {
    requireType(DType.I32);
    int[] out = new int[elementCount()];
    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
    return out;
  }

  /** The same data under another name. */
  public Tensor renamed(String newName) {
    if (newName == null || newName.isEmpty()) {
      throw new InvalidInputException("tensor name is empty");
    }
    return new Tensor(newName, dtype, shape, data);
  }

  private void requireType(DType wanted) {
    if (dtype != wanted) {
      throw new InvalidInputException("tensor '" + name + "' is " + dtype.safetensorsName() + ", not "
          + wanted.safetensorsName());
    }
  }

  /** Equal when name, dtype, shape and bytes are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t && name.equals(t.name) && dtype == t.dtype
        && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
  }

  /** {@code conv1.weight.q I8 [8, 1, 3, 3]}. */
  @Override
  public String toString() {
    return name + " " + dtype.safetensorsName() + " " + Arrays.toString(shape);
  }
}
