package io.bitswitch.bundle;

import io.bitswitch.bundle.Manifest.Layer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/** Human-readable description of a bundle, as the {@code inspect} command prints it. */
public final class BundleInspector {
  private BundleInspector() {}

  /**
   * A multi-line description: format version, producer, architecture, input, bit set, h,
   * rounding, per-layer bits (mixed precision), accuracies, layers with kinds and shapes, tensors
   * with dtype, shape and bytes, and the size against FP32. Ends with a newline.
   */
  public static String describe(Bundle bundle) {
    Manifest m = bundle.manifest();
    StringBuilder sb = new StringBuilder();
    line(sb, "bundle", "format version " + m.formatVersion() + ", written by " + m.producer());
    line(sb, "architecture", m.architecture()
        + (m.modelConfig().isEmpty() ? "" : " (with DL4J configuration, " + m.modelConfig().length() + " chars)"));
    int[] in = m.inputShape();
    line(sb, "input", in[0] + "×" + in[1] + "×" + in[2] + " (channels×height×width), "
        + m.numClasses() + " classes, normalization " + (m.normalization().channelMeans() == null
            ? "mean " + m.normalization().mean() + " std " + m.normalization().std()
            : "means " + m.normalization().channelMeans() + " stds " + m.normalization().channelStds()));
    if (m.fp32()) {
      line(sb, "precision", "FP32 (bits [32])");
    } else {
      line(sb, "bits", m.bits() + ", stored h=" + m.h() + ", rounding " + m.rounding());
      line(sb, "first/last", m.quantizeFirstLast() ? "quantized" : "floating point");
    }
    if (m.layerBits() != null) {
      StringBuilder lb = new StringBuilder();
      m.layerBits().forEach((k, v) -> lb.append(lb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
      line(sb, "layer bits", lb.toString());
    }
    if (!m.accuracy().isEmpty()) {
      StringBuilder acc = new StringBuilder();
      for (Map.Entry<String, Double> e : m.accuracy().entrySet()) {
        acc.append(acc.length() == 0 ? "" : "  ").append(e.getKey()).append(": ")
            .append(String.format(Locale.ROOT, "%.2f%%", 100 * e.getValue()));
      }
      line(sb, "accuracy", acc.toString());
    }
    if (m.tensorsSha256() != null) {
      line(sb, "sha256", m.tensorsSha256() + " (" + m.tensorsFile() + ")");
    }
    if (!m.extra().isEmpty()) {
      line(sb, "extra", String.join(", ", m.extra().keySet()));
    }

    sb.append("\nlayers (").append(m.layers().size()).append("):\n");
    int nameWidth = Math.max(4, m.layers().stream().mapToInt(l -> l.name().length()).max().orElse(4));
    for (Layer l : m.layers()) {
      String bits = switch (l.kind()) {
        case QUANTIZED -> bundle.bitsOf(l.name()) + " bits";
        case FLOAT -> "32 bits";
        case BATCHNORM -> "";
      };
      sb.append(String.format(Locale.ROOT, "  %-" + nameWidth + "s  %-9s  %-18s  %s", l.name(),
          l.kind().jsonName(), Arrays.toString(l.shape()), bits).stripTrailing()).append('\n');
    }

    sb.append("\ntensors (").append(bundle.tensors().size()).append("):\n");
    int tensorWidth = Math.max(4, bundle.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(4));
    for (Tensor t : bundle.tensors()) {
      sb.append(String.format(Locale.ROOT, "  %-" + tensorWidth + "s  %-3s  %-18s  %,d bytes\n", t.name(),
          t.dtype().safetensorsName(), Arrays.toString(t.shape()), t.byteSize()));
    }

    sb.append('\n');
    line(sb, "stored size", String.format(Locale.ROOT, "%,d bytes of tensors", bundle.sizeBytes()));
    String at = m.fp32() ? "FP32" : m.layerBits() != null ? "mixed precision" : m.h() + " bits";
    line(sb, "deployed", String.format(Locale.ROOT, "%,d bytes at %s = %.3f × FP32 (%,d bytes)",
        (bundle.deployedSizeBits() + 7) / 8, at, bundle.sizeRatioVsFp32(), bundle.fp32SizeBytes()));
    return sb.toString();
  }

  private static void line(StringBuilder sb, String label, String value) {
    sb.append(String.format(Locale.ROOT, "%-13s %s\n", label + ":", value));
  }
}
