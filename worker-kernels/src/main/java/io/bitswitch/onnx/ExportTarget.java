package io.bitswitch.onnx;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.quant.BitWidthSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which model of a bundle an export holds: one bit-width for every quantized layer, one per layer,
 * or the FP32 model ({@code --bits 32}, FP32 bundles only). {@link #deploy} derives that model from
 * the stored codes by the integer switch ({@link Bundle#switchTo}); nothing is re-quantized from
 * floats.
 *
 * @param bits the uniform bit-width (32 for an FP32 bundle), or null when {@code layerBits} is given
 * @param layerBits per-layer bit-widths of every quantized layer, or null when {@code bits} is given
 */
public record ExportTarget(Integer bits, Map<String, Integer> layerBits) {

  /** Exactly one of the two; copies {@code layerBits}. */
  public ExportTarget {
    if ((bits == null) == (layerBits == null)) {
      throw new IllegalArgumentException("give either bits or layerBits");
    }
    layerBits = layerBits == null ? null : Map.copyOf(layerBits);
  }

  /** Every quantized layer at {@code bits} (32: the FP32 model of an FP32 bundle). */
  public static ExportTarget uniform(int bits) {
    return new ExportTarget(bits, null);
  }

  /** Each quantized layer at its own bit-width. */
  public static ExportTarget perLayer(Map<String, Integer> layerBits) {
    return new ExportTarget(null, layerBits);
  }

  /**
   * The model to export, derived from {@code source} with integer operations only: the b-bit or
   * per-layer switch of an INT-h bundle; an FP32 bundle as it is (for {@code bits = 32}); a bundle
   * already switched to one bit-width or to per-layer widths as it is, when the target names
   * exactly its widths.
   *
   * @throws InvalidInputException when the target does not match the bundle: a bit-width the
   *     bundle does not hold, {@code --bits 32} of a quantized bundle, an FP32 bundle with a
   *     quantized target, per-layer widths that name unknown layers or leave some out, or
   *     widths other than those a mixed-precision bundle was switched to
   */
  public Bundle deploy(Bundle source) {
    Manifest m = source.manifest();
    if (m.fp32()) {
      if (bits == null || bits != BitWidthSet.FP32_BITS) {
        throw new InvalidInputException("the bundle is FP32 (bits [32]): it has no integer codes to export at "
            + describe() + "; export it with --bits 32");
      }
      return source;
    }
    if (bits != null && bits == BitWidthSet.FP32_BITS) {
      throw new InvalidInputException("--bits 32 exports an FP32 bundle, but this bundle holds integer codes at bits "
          + m.bits() + "; choose one of " + allowed(m));
    }
    if (m.mixedPrecision()) {
      Map<String, Integer> wanted = layerBits != null ? new TreeMap<>(layerBits)
          : m.layerBits().keySet().stream().collect(Collectors.toMap(k -> k, k -> bits, (a, b) -> a, TreeMap::new));
      if (!wanted.equals(new TreeMap<>(m.layerBits()))) {
        throw new InvalidInputException("the bundle is already mixed-precision (layer bits " + m.layerBits()
            + "): it can be exported only at exactly these widths; " + describe()
            + " differs (switch the INT-h bundle it came from instead)");
      }
      return source;
    }
    return bits != null ? source.switchTo(bits) : source.switchTo(layerBits);
  }

  /** {@code "4 bits"}, {@code "FP32"} or {@code "layer bits {conv2=8, ...}"}. */
  public String describe() {
    if (bits != null) {
      return bits == BitWidthSet.FP32_BITS ? "FP32 (--bits 32)" : bits + " bits";
    }
    return "layer bits " + new TreeMap<>(layerBits);
  }

  private static String allowed(Manifest m) {
    return m.bits().stream().map(String::valueOf).collect(Collectors.joining(", "));
  }
}
