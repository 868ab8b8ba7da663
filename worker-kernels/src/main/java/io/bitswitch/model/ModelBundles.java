package io.bitswitch.model;

import io.bitswitch.CorruptDataException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.bundle.Tensor;
import io.bitswitch.bundle.TensorNames;
import io.bitswitch.model.ParamLayout.Kind;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.model.QuantizationPlan.LayerInfo;
import io.bitswitch.model.QuantizationPlan.Role;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.quant.DoubleRounding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Converts between a model's parameter vector θ and the deployable INT-h {@link Bundle}
 * (docs/design/architecture.md §5). Writing keeps no FP32 copy of quantized weights: only their INT-h codes and
 * scales. Reading a bundle whose bit set is {@code {b}} (e.g. one switched to b bits) gives θ of
 * the layout {@code {b}} whose weights are the dequantized codes; re-quantizing them at (b, b)
 * reproduces the same floats, so the network evaluated from the bundle is bit for bit the
 * training-time network at b.
 */
public final class ModelBundles {
  private ModelBundles() {}

  /** Bundle shape of a layer's weight: output channel first (dense {@code [out, in]}). */
  static int[] bundleShape(LayerInfo l) {
    long[] s = l.weightShape();
    if (l.weightOrder() == 'f') {
      return new int[] {(int) s[1], (int) s[0]};
    }
    return Arrays.stream(s).mapToInt(d -> (int) d).toArray();
  }

  /**
   * The bundle of θ. {@code base} carries architecture, model config, input shape, classes,
   * normalisation and accuracies; bits, h, layers and tensors are filled in here.
   */
  public static Bundle toBundle(QuantizedGraph graph, float[] theta, Manifest.Builder base) {
    ParamLayout layout = graph.layout();
    boolean quantized = layout.quantized();
    int h = layout.highest();
    List<Tensor> tensors = new ArrayList<>();
    List<Manifest.Layer> layers = new ArrayList<>();
    for (LayerInfo l : graph.plan().layers()) {
      String n = l.name();
      switch (l.role()) {
        case BATCHNORM -> {
          layers.add(Manifest.Layer.batchNorm(n, l.outChannels()));
          for (int p : bnSets(layout)) {
            for (String param : TensorNames.BN_PARAMS) {
              Segment s = layout.get(n, bnKind(param), p);
              tensors.add(Tensor.ofFloats(TensorNames.batchNorm(n, p, param), new int[] {s.length()}, ParamLayout.slice(theta, s)));
            }
          }
        }
        case QUANTIZED, FLOAT -> {
          int[] shape = bundleShape(l);
          boolean q = quantized && l.role() == Role.QUANTIZED;
          layers.add(q ? Manifest.Layer.quantized(n, shape) : Manifest.Layer.floating(n, shape));
          if (q) {
            float[] w = ParamLayout.slice(theta, layout.get(n, Kind.WEIGHT, 0));
            float[] s = ParamLayout.slice(theta, layout.get(n, Kind.WEIGHT_SCALE, 0));
            tensors.add(Tensor.ofBytes(TensorNames.weightCodes(n), shape, DoubleRounding.quantizeToCodes(w, s, h)));
            tensors.add(Tensor.ofFloats(TensorNames.weightScale(n), new int[] {s.length}, s));
            for (int b : layout.precisions()) {
              tensors.add(Tensor.ofFloats(TensorNames.activationScale(n, b), new int[] {1},
                  new float[] {theta[layout.get(n, Kind.ACT_SCALE, b).offset()]}));
            }
          } else {
            Kind k = l.role() == Role.QUANTIZED ? Kind.WEIGHT : Kind.FLOAT_WEIGHT;
            tensors.add(Tensor.ofFloats(TensorNames.weight(n), shape, ParamLayout.slice(theta, layout.get(n, k, 0))));
          }
          if (l.hasBias()) {
            Segment b = layout.get(n, Kind.BIAS, 0);
            tensors.add(Tensor.ofFloats(TensorNames.bias(n), new int[] {b.length()}, ParamLayout.slice(theta, b)));
          }
        }
        default -> throw new IllegalStateException();
      }
    }
    Manifest.Builder m = base.layers(layers);
    if (quantized) {
      m.bits(layout.precisions()).h(h);
    } else {
      m.fp32();
    }
    return Bundle.of(m.build(), tensors);
  }

  private static int[] bnSets(ParamLayout layout) {
    int[] p = layout.precisions();
    if (Arrays.stream(p).anyMatch(x -> x == BitWidthSet.FP32_BITS)) {
      return p;
    }
    int[] out = Arrays.copyOf(p, p.length + 1);
    out[p.length] = BitWidthSet.FP32_BITS;
    return out;
  }

  private static Kind bnKind(String param) {
    return switch (param) {
      case "gamma" -> Kind.BN_GAMMA;
      case "beta" -> Kind.BN_BETA;
      case "mean" -> Kind.BN_MEAN;
      case "var" -> Kind.BN_VAR;
      default -> throw new IllegalArgumentException(param);
    };
  }

  /** The precisions of the layout a bundle loads into: its bit set, descending, or {32}. */
  public static int[] precisionsOf(Bundle bundle) {
    return bundle.manifest().bits().stream().sorted((a, b) -> b - a).mapToInt(Integer::intValue).toArray();
  }

  /**
   * θ of {@code graph}'s layout from a bundle with the same bit set; quantized weights become
   * their dequantized codes. BatchNorm sets missing from a switched bundle (the FP32 set) are
   * left at their fresh values.
   *
   * @throws CorruptDataException when a layer or tensor shape does not match the architecture
   */
  public static float[] toTheta(Bundle bundle, QuantizedGraph graph) {
    ParamLayout layout = graph.layout();
    float[] theta = graph.initialParameters();
    int h = bundle.manifest().h();
    for (LayerInfo l : graph.plan().layers()) {
      String n = l.name();
      Manifest.Layer ml = bundle.manifest().layer(n);
      if (ml == null) {
        throw new CorruptDataException("bundle has no layer '" + n + "' of architecture "
            + bundle.manifest().architecture() + "; it was written for another model");
      }
      if (l.role() != Role.BATCHNORM && !Arrays.equals(ml.shape(), bundleShape(l))) {
        throw new CorruptDataException("bundle layer '" + n + "' has shape " + Arrays.toString(ml.shape())
            + " but the architecture expects " + Arrays.toString(bundleShape(l)));
      }
      switch (l.role()) {
        case BATCHNORM -> {
          for (int p : bnSets(layout)) {
            for (String param : TensorNames.BN_PARAMS) {
              String name = TensorNames.batchNorm(n, p, param);
              if (bundle.hasTensor(name)) {
                copy(bundle.tensor(name).floats(), theta, layout.get(n, bnKind(param), p), name);
              } else if (p != BitWidthSet.FP32_BITS) {
                throw new CorruptDataException("bundle lacks tensor " + name);
              }
            }
          }
        }
        case QUANTIZED, FLOAT -> {
          if (ml.kind() == Manifest.LayerKind.QUANTIZED) {
            float[] s = bundle.tensor(TensorNames.weightScale(n)).floats();
            float[] w = DoubleRounding.dequantize(bundle.tensor(TensorNames.weightCodes(n)).codes(), s, h, h);
            copy(w, theta, layout.get(n, Kind.WEIGHT, 0), n);
            copy(s, theta, layout.get(n, Kind.WEIGHT_SCALE, 0), n);
            for (int b : layout.precisions()) {
              theta[layout.get(n, Kind.ACT_SCALE, b).offset()] = bundle.tensor(TensorNames.activationScale(n, b)).floats()[0];
            }
          } else {
            Kind k = layout.find(n, Kind.WEIGHT, 0) != null ? Kind.WEIGHT : Kind.FLOAT_WEIGHT;
            copy(bundle.tensor(TensorNames.weight(n)).floats(), theta, layout.get(n, k, 0), n);
          }
          if (l.hasBias()) {
            copy(bundle.tensor(TensorNames.bias(n)).floats(), theta, layout.get(n, Kind.BIAS, 0), n);
          }
        }
        default -> throw new IllegalStateException();
      }
    }
    return theta;
  }

  private static void copy(float[] values, float[] theta, Segment s, String what) {
    if (values.length != s.length()) {
      throw new CorruptDataException(what + ": " + values.length + " values where the architecture needs " + s.length());
    }
    System.arraycopy(values, 0, theta, s.offset(), s.length());
  }
}
