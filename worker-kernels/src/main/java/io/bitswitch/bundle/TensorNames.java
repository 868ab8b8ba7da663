package io.bitswitch.bundle;

import java.util.List;

/**
 * Names of a bundle's tensors (docs/design/architecture.md §5). A layer's tensors all start with the layer's
 * name followed by a dot.
 *
 * <pre>
 * quantized layer   &lt;layer&gt;.weight.q          I8   weight shape       codes at h (or the layer's bits)
 *                   &lt;layer&gt;.weight.scale      F32  [out]              one scale per output channel
 *                   &lt;layer&gt;.act.&lt;b&gt;.scale     F32  [1]                activation scale at b bits
 *                   &lt;layer&gt;.bias              F32  [out]              optional
 * float layer       &lt;layer&gt;.weight            F32  weight shape
 *                   &lt;layer&gt;.bias              F32  [out]              optional
 * BatchNorm layer   &lt;layer&gt;.bn.&lt;b&gt;.gamma       F32  [channels]         one set per bit-width b,
 *                   &lt;layer&gt;.bn.&lt;b&gt;.beta, .mean, .var                   and b = 32 for the FP32 set
 * </pre>
 */
public final class TensorNames {
  /** The four tensors of one BatchNorm set, in stored order. */
  public static final List<String> BN_PARAMS = List.of("gamma", "beta", "mean", "var");

  private TensorNames() {}

  /** {@code <layer>.weight.q}: INT codes of a quantized layer. */
  public static String weightCodes(String layer) {
    return layer + ".weight.q";
  }

  /** {@code <layer>.weight.scale}: per-output-channel weight scales of a quantized layer. */
  public static String weightScale(String layer) {
    return layer + ".weight.scale";
  }

  /** {@code <layer>.act.<b>.scale}: a quantized layer's input activation scale at b bits. */
  public static String activationScale(String layer, int bits) {
    return layer + ".act." + bits + ".scale";
  }

  /** {@code <layer>.bias}. */
  public static String bias(String layer) {
    return layer + ".bias";
  }

  /** {@code <layer>.weight}: FP32 weight of a floating-point layer. */
  public static String weight(String layer) {
    return layer + ".weight";
  }

  /** {@code <layer>.bn.<b>.<param>}, param one of {@link #BN_PARAMS}. */
  public static String batchNorm(String layer, int bits, String param) {
    return layer + ".bn." + bits + "." + param;
  }
}
