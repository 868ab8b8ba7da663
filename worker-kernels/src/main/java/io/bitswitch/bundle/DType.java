package io.bitswitch.bundle;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Element types a bundle's tensors may have, named as in the safetensors header. All multi-byte
 * types are little-endian.
 */
public enum DType {
  /** Signed 8-bit integer: Double Rounding codes. */
  I8("I8", 1),
  /** Unsigned 8-bit integer. */
  U8("U8", 1),
  /** Signed 32-bit integer. */
  I32("I32", 4),
  /** IEEE 754 binary32 float: scales, BatchNorm sets, floating-point layers. */
  F32("F32", 4);

  private final String safetensorsName;
  private final int byteSize;

  DType(String safetensorsName, int byteSize) {
    this.safetensorsName = safetensorsName;
    this.byteSize = byteSize;
  }

  /** The dtype string of the safetensors header, e.g. {@code "F32"}. */
  public String safetensorsName() {
    return safetensorsName;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The type with the given safetensors name, or empty when bitswitch does not support it. */
  public static Optional<DType> fromSafetensorsName(String name) {
    for (DType t : values()) {
      if (t.safetensorsName.equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** {@code "I8, U8, I32, F32"}: for error messages. */
  public static String supportedNames() {
    return Arrays.stream(values()).map(DType::safetensorsName).collect(Collectors.joining(", "));
  }
}
