package io.bitswitch.bundle;

import io.bitswitch.BitswitchException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Manifest.Layer;
import io.bitswitch.bundle.Manifest.LayerKind;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.quant.DoubleRounding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks that a manifest is consistent and that a list of tensors is exactly what it declares.
 * The same checks serve decoding (failures are {@link io.bitswitch.CorruptDataException}s) and
 * building a bundle in memory (failures are {@link InvalidInputException}s), hence the exception
 * factory.
 */
final class BundleValidator {
  private final Function<String, ? extends BitswitchException> fail;

  BundleValidator(Function<String, ? extends BitswitchException> fail) {
    this.fail = fail;
  }

  private BitswitchException fail(String message) {
    return fail.apply(message);
  }

  void checkManifest(Manifest m) {
    if (m.formatVersion() != Manifest.CURRENT_FORMAT_VERSION) {
      throw fail("unsupported bundle format_version " + m.formatVersion()
          + ": this build of bitswitch reads format version " + Manifest.CURRENT_FORMAT_VERSION);
    }
    requireText(m.producer(), "producer");
    requireText(m.architecture(), "architecture");
    int[] in = m.inputShape();
    if (in == null || in.length != 3 || Arrays.stream(in).anyMatch(d -> d <= 0)) {
      throw fail("manifest inputShape " + Arrays.toString(in)
          + " is not three positive dimensions (channels, height, width)");
    }
    if (m.numClasses() < 1) {
      throw fail("manifest numClasses " + m.numClasses() + " is not positive");
    }
    checkBits(m);
    if (!Manifest.ROUNDING.equals(m.rounding())) {
      throw fail("unsupported rounding '" + m.rounding() + "'; bitswitch rounds '"
          + Manifest.ROUNDING + "'");
    }
    Manifest.Normalization norm = m.normalization();
    if (norm == null || !Float.isFinite(norm.mean()) || !Float.isFinite(norm.std()) || norm.std() <= 0) {
      throw fail("manifest normalization " + norm + " needs a finite mean and a positive std");
    }
    if (norm.channelMeans() != null || norm.channelStds() != null) {
      int channels = m.inputShape() == null ? -1 : m.inputShape()[0];
      if (norm.channelMeans() == null || norm.channelStds() == null || norm.channelMeans().size() != channels
          || norm.channelStds().size() != channels) {
        throw fail("manifest normalization " + norm + " needs channel_means and channel_stds of one value per"
            + " input channel (" + channels + ")");
      }
      for (int c = 0; c < channels; c++) {
        float mean = norm.channelMeans().get(c);
        float std = norm.channelStds().get(c);
        if (!Float.isFinite(mean) || !Float.isFinite(std) || std <= 0) {
          throw fail("manifest normalization of channel " + c + " needs a finite mean and a positive std, got "
              + mean + " and " + std);
        }
      }
    }
    if (!Bundle.TENSORS_FILE.equals(m.tensorsFile())) {
      throw fail("manifest tensorsFile '" + m.tensorsFile() + "' is not '" + Bundle.TENSORS_FILE
          + "', the only name format version " + Manifest.CURRENT_FORMAT_VERSION + " defines");
    }
    for (Map.Entry<String, Double> e : m.accuracy().entrySet()) {
      Double v = e.getValue();
      if (v == null || !(v >= 0 && v <= 1)) {
        throw fail("accuracy at '" + e.getKey() + "' is " + v + "; accuracies are ratios in [0, 1]");
      }
    }
    checkLayers(m);
    checkLayerBits(m);
  }

  private void requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw fail("manifest field '" + field + "' is missing or empty");
    }
  }

  private void checkBits(Manifest m) {
    List<Integer> bits = m.bits();
    if (bits == null || bits.isEmpty()) {
      throw fail("manifest bits is missing or empty");
    }
    if (bits.contains(null)) {
      throw fail("manifest bits " + bits + " contains null");
    }
    if (bits.contains(BitWidthSet.FP32_BITS)) {
      if (bits.size() != 1 || m.h() != BitWidthSet.FP32_BITS) {
        throw fail("bits " + bits + " with h=" + m.h() + " is inconsistent: an FP32 bundle has bits [32]"
            + " and h=32, and 32 cannot be mixed with integer bit-widths");
      }
      return;
    }
    BitWidthSet set;
    try {
      set = BitWidthSet.of(bits.stream().mapToInt(Integer::intValue).toArray());
    } catch (InvalidInputException e) {
      throw fail("manifest bits " + bits + " are invalid: " + e.getMessage());
    }
    if (!Arrays.equals(set.descending(), bits.stream().mapToInt(Integer::intValue).toArray())) {
      throw fail("manifest bits " + bits + " are not in descending order; expected " + set);
    }
    if (m.h() != set.highest()) {
      throw fail("h=" + m.h() + " is inconsistent with bits " + bits + ": h must be max(bits) = "
          + set.highest());
    }
  }

  private void checkLayers(Manifest m) {
    if (m.layers().isEmpty()) {
      throw fail("manifest declares no layers");
    }
    Set<String> names = new HashSet<>();
    for (Layer l : m.layers()) {
      if (l == null || l.name() == null || l.name().isEmpty()) {
        throw fail("manifest has a layer without a name");
      }
      if (l.kind() == null) {
        throw fail("layer '" + l.name() + "' has no kind; allowed: quantized, float, batchnorm");
      }
      int[] shape = l.shape();
      if (shape == null || shape.length == 0 || Arrays.stream(shape).anyMatch(d -> d <= 0)) {
        throw fail("layer '" + l.name() + "' has invalid shape " + Arrays.toString(shape)
            + "; dimensions are positive integers");
      }
      if (l.kind() == LayerKind.BATCHNORM && shape.length != 1) {
        throw fail("batchnorm layer '" + l.name() + "' has shape " + Arrays.toString(shape)
            + "; a batchnorm layer's shape is [channels]");
      }
      if (!names.add(l.name())) {
        throw fail("manifest declares layer '" + l.name() + "' more than once");
      }
      if (m.fp32() && l.kind() == LayerKind.QUANTIZED) {
        throw fail("layer '" + l.name() + "' is quantized but the bundle is FP32 (bits [32])");
      }
    }
  }

  private void checkLayerBits(Manifest m) {
    Map<String, Integer> layerBits = m.layerBits();
    if (layerBits == null) {
      return;
    }
    if (m.fp32()) {
      throw fail("an FP32 bundle cannot have layerBits");
    }
    Set<String> quantized = quantizedLayers(m);
    List<String> unknown = new ArrayList<>();
    for (String name : layerBits.keySet()) {
      if (!quantized.contains(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw fail("layerBits names " + unknown + ", which are not quantized layers; quantized layers: "
          + quantized);
    }
    List<String> missing = new ArrayList<>();
    for (String name : quantized) {
      if (!layerBits.containsKey(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw fail("layerBits gives no bit-width for quantized layer(s) " + missing);
    }
    for (Map.Entry<String, Integer> e : layerBits.entrySet()) {
      if (e.getValue() == null || !m.bits().contains(e.getValue())) {
        throw fail("layerBits gives layer '" + e.getKey() + "' " + e.getValue()
            + " bits, which is not in the bundle's bits " + m.bits());
      }
    }
  }

  static Set<String> quantizedLayers(Manifest m) {
    Set<String> out = new LinkedHashSet<>();
    for (Layer l : m.layers()) {
      if (l.kind() == LayerKind.QUANTIZED) {
        out.add(l.name());
      }
    }
    return out;
  }

  /** Checks tensors against a manifest already checked by {@link #checkManifest}. */
  Map<String, Tensor> checkTensors(Manifest m, List<Tensor> tensors) {
    Map<String, Tensor> byName = new LinkedHashMap<>();
    for (Tensor t : tensors) {
      if (byName.put(t.name(), t) != null) {
        throw fail("tensor '" + t.name() + "' appears more than once");
      }
    }
    Set<String> claimed = new HashSet<>();
    for (Layer l : m.layers()) {
      switch (l.kind()) {
        case QUANTIZED -> checkQuantized(m, l, byName, claimed);
        case FLOAT -> {
          require(byName, claimed, l, TensorNames.weight(l.name()), DType.F32, l.shape());
          optional(byName, claimed, l, TensorNames.bias(l.name()), DType.F32,
              new int[] {l.outputChannels()});
        }
        case BATCHNORM -> checkBatchNorm(m, l, byName, claimed);
      }
    }
    List<String> orphans = new ArrayList<>();
    for (String name : byName.keySet()) {
      if (!claimed.contains(name)) {
        orphans.add(name);
      }
    }
    if (!orphans.isEmpty()) {
      throw fail("tensor(s) " + orphans + " belong to no declared layer or bit-width of the manifest");
    }
    return byName;
  }

  private void checkQuantized(Manifest m, Layer l, Map<String, Tensor> byName, Set<String> claimed) {
    int channels = l.outputChannels();
    int bits = m.layerBits() == null ? m.h() : m.layerBits().get(l.name());
    Tensor codes = require(byName, claimed, l, TensorNames.weightCodes(l.name()), DType.I8, l.shape());
    Tensor scale = require(byName, claimed, l, TensorNames.weightScale(l.name()), DType.F32,
        new int[] {channels});
    checkPositive(l, scale);
    byte[] q = codes.codes();
    int min = DoubleRounding.minCode(bits);
    int max = DoubleRounding.maxCode(bits);
    for (int i = 0; i < q.length; i++) {
      if (q[i] < min || q[i] > max) {
        throw fail("layer '" + l.name() + "' has code " + q[i] + " at element " + i + " of '"
            + codes.name() + "', outside [" + min + ", " + max + "] for " + bits + " bits");
      }
    }
    // Activation scales: one per bit-width the layer can run at, or none (weight-only layer).
    List<Integer> actBits = m.layerBits() == null ? m.bits() : List.of(bits);
    List<String> present = new ArrayList<>();
    List<String> absent = new ArrayList<>();
    for (int b : actBits) {
      String name = TensorNames.activationScale(l.name(), b);
      if (byName.containsKey(name)) {
        present.add(name);
        checkPositive(l, require(byName, claimed, l, name, DType.F32, new int[] {1}));
      } else {
        absent.add(name);
      }
    }
    if (!present.isEmpty() && !absent.isEmpty()) {
      throw fail("missing tensor(s) " + absent + " of layer '" + l.name()
          + "': a layer has an activation scale for every bit-width or for none");
    }
    optional(byName, claimed, l, TensorNames.bias(l.name()), DType.F32, new int[] {channels});
  }

  private void checkBatchNorm(Manifest m, Layer l, Map<String, Tensor> byName, Set<String> claimed) {
    int[] shape = l.shape();
    for (int b : m.bits()) {
      for (String p : TensorNames.BN_PARAMS) {
        require(byName, claimed, l, TensorNames.batchNorm(l.name(), b, p), DType.F32, shape);
      }
    }
    if (!m.fp32()) {
      // The FP32 set may travel with an INT-h bundle (it is what the sets started from).
      List<String> absent = new ArrayList<>();
      for (String p : TensorNames.BN_PARAMS) {
        String name = TensorNames.batchNorm(l.name(), BitWidthSet.FP32_BITS, p);
        if (byName.containsKey(name)) {
          require(byName, claimed, l, name, DType.F32, shape);
        } else {
          absent.add(name);
        }
      }
      if (absent.size() != 0 && absent.size() != TensorNames.BN_PARAMS.size()) {
        throw fail("missing tensor(s) " + absent + " of layer '" + l.name()
            + "': a batchnorm set has all of " + TensorNames.BN_PARAMS + " or none");
      }
    }
  }

  private Tensor require(Map<String, Tensor> byName, Set<String> claimed, Layer l, String name,
      DType dtype, int[] shape) {
    Tensor t = byName.get(name);
    if (t == null) {
      throw fail("missing tensor '" + name + "' of layer '" + l.name() + "'");
    }
    checkTypeAndShape(l, t, dtype, shape);
    claimed.add(name);
    return t;
  }

  private void optional(Map<String, Tensor> byName, Set<String> claimed, Layer l, String name,
      DType dtype, int[] shape) {
    Tensor t = byName.get(name);
    if (t != null) {
      checkTypeAndShape(l, t, dtype, shape);
      claimed.add(name);
    }
  }

  private void checkTypeAndShape(Layer l, Tensor t, DType dtype, int[] shape) {
    if (t.dtype() != dtype) {
      throw fail("tensor '" + t.name() + "' of layer '" + l.name() + "' is "
          + t.dtype().safetensorsName() + "; expected " + dtype.safetensorsName());
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw fail("tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape())
          + " but layer '" + l.name() + "' (declared shape " + Arrays.toString(l.shape())
          + ") needs " + Arrays.toString(shape));
    }
  }

  private void checkPositive(Layer l, Tensor scale) {
    float[] s = scale.floats();
    for (int i = 0; i < s.length; i++) {
      if (!(s[i] > 0) || !Float.isFinite(s[i])) {
        throw fail("layer '" + l.name() + "' has scale " + s[i] + " at element " + i + " of '"
            + scale.name() + "'; scales are positive and finite");
      }
    }
  }
}
