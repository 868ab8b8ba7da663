package io.bitswitch.model;

import io.bitswitch.model.QuantizationPlan.LayerInfo;
import io.bitswitch.model.QuantizationPlan.Role;
import io.bitswitch.quant.BitWidthSet;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every trainable and statistical value of a model lives in one flat {@code float[] θ}.
 * The driver keeps θ, its Adam moments and per-precision gradients as plain arrays of this layout,
 * so broadcast, tree aggregation and optimisation never touch ND4J.
 *
 * <p>Per quantized layer: latent FP32 weights (channel-major), and in a quantized model one
 * weight scale per output channel (shared by every precision) and one activation scale per
 * precision, plus the bias if any. Per float layer: weights and bias. Per BatchNorm layer: one
 * set (γ, β, running mean, running variance) per precision, plus the FP32 set (precision 32).
 */
public final class ParamLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What a segment holds. */
  public enum Kind {
    /** Latent FP32 weights of a quantized layer. */
    WEIGHT,
    /** Per-output-channel weight scales s_c, shared by every precision. */
    WEIGHT_SCALE,
    /** The activation scale a_{l,b} of one precision. */
    ACT_SCALE,
    /** A bias (quantized or float layer). */
    BIAS,
    /** Weights of a layer kept in floating point. */
    FLOAT_WEIGHT,
    /** BatchNorm γ of one precision. */
    BN_GAMMA,
    /** BatchNorm β of one precision. */
    BN_BETA,
    /** BatchNorm running mean of one precision (not trained by the optimiser). */
    BN_MEAN,
    /** BatchNorm running (biased) variance of one precision (not trained by the optimiser). */
    BN_VAR
  }

  /**
   * A contiguous run of θ.
   *
   * @param layer the layer's vertex name
   * @param kind what it holds
   * @param precision the bit-width it belongs to (32 for the FP32 BN set), or 0 when shared
   * @param offset start in θ
   * @param length element count
   */
  public record Segment(String layer, Kind kind, int precision, int offset, int length) implements Serializable {
    /** Trained by the optimiser (running statistics are not). */
    public boolean trainable() {
      return kind != Kind.BN_MEAN && kind != Kind.BN_VAR;
    }

    /** Quantization scale: learned at the ALRS rate, no weight decay. */
    public boolean isScale() {
      return kind == Kind.WEIGHT_SCALE || kind == Kind.ACT_SCALE;
    }

    /** Takes weight decay. */
    public boolean decayed() {
      return kind == Kind.WEIGHT || kind == Kind.FLOAT_WEIGHT;
    }

    /** Whether an update at precision {@code b} touches this segment. */
    public boolean activeAt(int b) {
      return precision == 0 || precision == b;
    }
  }

  private final List<Segment> segments;
  private final Map<String, Segment> byKey = new HashMap<>();
  private final int size;
  private final int[] precisions;

  private ParamLayout(List<Segment> segments, int size, int[] precisions) {
    this.segments = Collections.unmodifiableList(segments);
    this.size = size;
    this.precisions = precisions;
    for (Segment s : segments) {
      byKey.put(key(s.layer(), s.kind(), s.precision()), s);
    }
  }

  private static String key(String layer, Kind kind, int precision) {
    return layer + "/" + kind + "/" + precision;
  }

  /**
   * The layout of a model trained at {@code precisions} (descending bit-widths, or just
   * {@code {32}} for an FP32 model).
   */
  public static ParamLayout of(QuantizationPlan plan, int[] precisions) {
    boolean quantized = !(precisions.length == 1 && precisions[0] == BitWidthSet.FP32_BITS);
    List<Segment> segs = new ArrayList<>();
    int off = 0;
    for (LayerInfo l : plan.layers()) {
      if (l.role() == Role.BATCHNORM) {
        List<Integer> sets = new ArrayList<>();
        for (int p : precisions) {
          sets.add(p);
        }
        if (!sets.contains(BitWidthSet.FP32_BITS)) {
          sets.add(BitWidthSet.FP32_BITS);
        }
        for (int p : sets) {
          for (Kind k : new Kind[] {Kind.BN_GAMMA, Kind.BN_BETA, Kind.BN_MEAN, Kind.BN_VAR}) {
            segs.add(new Segment(l.name(), k, p, off, l.outChannels()));
            off += l.outChannels();
          }
        }
        continue;
      }
      if (l.role() == Role.QUANTIZED) {
        segs.add(new Segment(l.name(), Kind.WEIGHT, 0, off, l.weightCount()));
        off += l.weightCount();
        if (quantized) {
          segs.add(new Segment(l.name(), Kind.WEIGHT_SCALE, 0, off, l.outChannels()));
          off += l.outChannels();
          for (int p : precisions) {
            segs.add(new Segment(l.name(), Kind.ACT_SCALE, p, off, 1));
            off += 1;
          }
        }
      } else {
        segs.add(new Segment(l.name(), Kind.FLOAT_WEIGHT, 0, off, l.weightCount()));
        off += l.weightCount();
      }
      if (l.hasBias()) {
        segs.add(new Segment(l.name(), Kind.BIAS, 0, off, l.outChannels()));
        off += l.outChannels();
      }
    }
    return new ParamLayout(segs, off, precisions.clone());
  }

  /** All segments in θ order. */
  public List<Segment> segments() {
    return segments;
  }

  /** Length of θ. */
  public int size() {
    return size;
  }

  /** The precisions this layout was made for (descending; {32} for FP32). */
  public int[] precisions() {
    return precisions.clone();
  }

  /** Whether the model is quantized (not FP32-only). */
  public boolean quantized() {
    return !(precisions.length == 1 && precisions[0] == BitWidthSet.FP32_BITS);
  }

  /** The stored precision h (32 for an FP32 model). */
  public int highest() {
    return precisions[0];
  }

  /** The segment, or null when the layout has none such. */
  public Segment find(String layer, Kind kind, int precision) {
    return byKey.get(key(layer, kind, precision));
  }

  /** The segment; fails when absent. */
  public Segment get(String layer, Kind kind, int precision) {
    Segment s = find(layer, kind, precision);
    if (s == null) {
      throw new IllegalArgumentException("no " + kind + " at precision " + precision + " for layer " + layer);
    }
    return s;
  }

  /** A copy of a segment's values. */
  public static float[] slice(float[] theta, Segment s) {
    float[] out = new float[s.length()];
    System.arraycopy(theta, s.offset(), out, 0, s.length());
    return out;
  }

  /** Writes {@code values} into segment {@code s} of θ. */
  public static void put(float[] theta, Segment s, float[] values) {
    System.arraycopy(values, 0, theta, s.offset(), s.length());
  }

  /** Adds {@code values} to segment {@code s} of {@code grad}. */
  public static void add(float[] grad, Segment s, float[] values) {
    for (int i = 0; i < s.length(); i++) {
      grad[s.offset() + i] += values[i];
    }
  }
}
