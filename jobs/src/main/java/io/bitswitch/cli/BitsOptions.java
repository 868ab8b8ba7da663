package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.quant.BitWidthSet;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Converters for bit-width options. */
public final class BitsOptions {
  private BitsOptions() {}

  /** One quantized bit-width in 2..8 ({@code switch --bits 4}). */
  public static final class Single implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String text) {
      try {
        return BitWidthSet.checkRange(Integer.parseInt(text.trim()));
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + text + "' is not a bit-width: give an integer in "
            + BitWidthSet.MIN_BITS + ".." + BitWidthSet.MAX_BITS);
      } catch (InvalidInputException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * Bit-widths to evaluate, largest first, each once; 32 means the FP32 model.
   *
   * @param descending the bit-widths (unmodifiable)
   */
  public record Selection(List<Integer> descending) {
    /** Copies {@code descending} into an unmodifiable list. */
    public Selection {
      descending = List.copyOf(descending);
    }
  }

  /** A comma-separated list of bit-widths to evaluate ({@code 8,6,4,2}; 32 means the FP32 model). */
  public static final class EvaluationList implements ITypeConverter<Selection> {
    @Override
    public Selection convert(String text) {
      TreeSet<Integer> bits = new TreeSet<>();
      for (String part : text.split(",")) {
        String p = part.trim();
        int b;
        try {
          b = Integer.parseInt(p);
        } catch (NumberFormatException e) {
          throw new TypeConversionException("'" + p + "' in '" + text + "' is not a bit-width: give integers in "
              + BitWidthSet.MIN_BITS + ".." + BitWidthSet.MAX_BITS + " or " + BitWidthSet.FP32_BITS + ", e.g. 8,6,4,2");
        }
        if (b != BitWidthSet.FP32_BITS && (b < BitWidthSet.MIN_BITS || b > BitWidthSet.MAX_BITS)) {
          throw new TypeConversionException("bit-width " + b + " in '" + text + "' is outside "
              + BitWidthSet.MIN_BITS + ".." + BitWidthSet.MAX_BITS + " (or " + BitWidthSet.FP32_BITS + " for FP32)");
        }
        if (!bits.add(b)) {
          throw new TypeConversionException("bit-width " + b + " appears more than once in '" + text + "'");
        }
      }
      return new Selection(new ArrayList<>(bits.descendingSet()));
    }
  }
}
