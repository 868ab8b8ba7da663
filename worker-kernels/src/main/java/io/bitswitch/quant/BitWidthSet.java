package io.bitswitch.quant;

import io.bitswitch.InvalidInputException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;

/**
 * The candidate bit-widths {@code B} of a multi-precision model, held in descending order; the
 * first is {@code h = max(B)}, the stored precision. Every width is an integer in
 * [{@value #MIN_BITS}, {@value #MAX_BITS}] and appears once. A single-element set is an ordinary
 * single-precision QAT run.
 */
public final class BitWidthSet implements Serializable, Iterable<Integer> {
  private static final long serialVersionUID = 1L;

  /** Smallest supported bit-width. */
  public static final int MIN_BITS = 2;
  /** Largest supported bit-width; codes at h are stored as signed bytes. */
  public static final int MAX_BITS = 8;
  /**
   * The bit-width that stands for floating point, no quantization: an FP32 model's {@code bits}
   * ({@code [32]}), the FP32 BatchNorm set, a pass or activation quantizer at full precision, the
   * {@code "32"} accuracy key (docs/design/architecture.md §5). Never a member of a set.
   */
  public static final int FP32_BITS = 32;

  private final int[] descending;

  private BitWidthSet(int[] descending) {
    this.descending = descending;
  }

  /**
   * A set of the given widths (any order).
   *
   * @throws InvalidInputException when empty, a width is outside 2..8, or a width repeats
   */
  public static BitWidthSet of(int... bits) {
    if (bits == null || bits.length == 0) {
      throw new InvalidInputException("bit-width set is empty: give at least one of 2..8, e.g. [8,6,4,2]");
    }
    int[] sorted = bits.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      checkRange(sorted[i]);
      if (i > 0 && sorted[i] == sorted[i - 1]) {
        throw new InvalidInputException("bit-width " + sorted[i] + " appears more than once in "
            + Arrays.toString(bits) + "; each width may appear once");
      }
    }
    int[] desc = new int[sorted.length];
    for (int i = 0; i < sorted.length; i++) {
      desc[i] = sorted[sorted.length - 1 - i];
    }
    return new BitWidthSet(desc);
  }

  /**
   * Parses {@code "8,6,4,2"} or {@code "[8, 6, 4, 2]"}. Refuses anything that is not a list of
   * integers (e.g. {@code 4.5}).
   */
  public static BitWidthSet parse(String text) {
    if (text == null) {
      throw new InvalidInputException("bit-width set is missing");
    }
    String body = text.trim();
    if (body.startsWith("[") && body.endsWith("]")) {
      body = body.substring(1, body.length() - 1);
    }
    if (body.isBlank()) {
      return of();
    }
    String[] parts = body.split(",");
    int[] bits = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].trim();
      try {
        bits[i] = Integer.parseInt(p);
      } catch (NumberFormatException e) {
        throw new InvalidInputException("bit-width '" + p + "' in '" + text
            + "' is not an integer; allowed widths are integers in " + MIN_BITS + ".." + MAX_BITS);
      }
    }
    return of(bits);
  }

  /** Checks one bit-width against the supported range. */
  public static int checkRange(int b) {
    if (b < MIN_BITS || b > MAX_BITS) {
      throw new InvalidInputException("bit-width " + b + " is outside the supported range "
          + MIN_BITS + ".." + MAX_BITS);
    }
    return b;
  }

  /** The stored precision h = max(B). */
  public int highest() {
    return descending[0];
  }

  /** The lowest width in the set. */
  public int lowest() {
    return descending[descending.length - 1];
  }

  /** The widths, largest first (a copy). */
  public int[] descending() {
    return descending.clone();
  }

  /** Number of widths. */
  public int size() {
    return descending.length;
  }

  /** The i-th width in descending order. */
  public int get(int i) {
    return descending[i];
  }

  /** Whether {@code b} is one of the widths. */
  public boolean contains(int b) {
    for (int d : descending) {
      if (d == b) {
        return true;
      }
    }
    return false;
  }

  /** Position of {@code b} in descending order, or -1. */
  public int indexOf(int b) {
    for (int i = 0; i < descending.length; i++) {
      if (descending[i] == b) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public Iterator<Integer> iterator() {
    return new Iterator<>() {
      private int i;

      @Override
      public boolean hasNext() {
        return i < descending.length;
      }

      @Override
      public Integer next() {
        if (i >= descending.length) {
          throw new NoSuchElementException();
        }
        return descending[i++];
      }
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BitWidthSet other && Arrays.equals(descending, other.descending);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(descending);
  }

  /** {@code [8,6,4,2]}: the form {@link #parse} reads and config files use. */
  @Override
  public String toString() {
    return Arrays.stream(descending).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
  }
}
