package io.bitswitch.bundle;

import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Manifest.Layer;
import io.bitswitch.bundle.Manifest.LayerKind;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.quant.DoubleRounding;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The deployable model (docs/design/architecture.md §5): a {@link Manifest} and its tensors, in order. Immutable;
 * every instance has passed the same checks that {@link #decode} applies, so code holding a
 * {@code Bundle} can rely on every declared layer having its tensors with the declared shapes and
 * on every code being in range.
 *
 * <h2>What the tensors mean</h2>
 *
 * Tensor names are in {@link TensorNames}. A quantized layer's weight is stored channel-major, as
 * {@link DoubleRounding} lays it out: the declared shape's first dimension is the output channel
 * (conv {@code [out, in, kh, kw]}; dense {@code [out, in]}, which is DL4J's {@code [nIn, nOut]}
 * 'f'-order buffer read row-major), and {@code weight.scale} has one entry per output channel. In
 * every bundle the dequantized weight is {@code code · scale} of its channel:
 *
 * <ul>
 *   <li>INT-h bundle ({@code bits = B}, {@code h = max(B)}): codes are q_h; the b-bit model's
 *       weight is {@code switchCode(q_h, h, b) · scale · 2^(h−b)}; it carries activation scales
 *       and BatchNorm sets for every b in B (and optionally the FP32 BatchNorm set).
 *   <li>b-bit bundle ({@link #switchTo(int)}; {@code bits = [b]}, {@code h = b}): codes are q_b,
 *       scales already multiplied by 2^(h−b), only the b-bit activation scales and BatchNorm sets.
 *   <li>mixed-precision bundle ({@link #switchTo(Map)}; {@code layerBits} set): each quantized
 *       layer's codes at its own bit-width, scales multiplied by its own 2^(h−b_l); {@code bits}
 *       lists the distinct widths used and {@code h} their maximum.
 *   <li>FP32 bundle ({@code bits = [32]}, {@code h = 32}): float layers and the FP32 BatchNorm
 *       sets only.
 * </ul>
 */
public final class Bundle {
  /** File name of the tensors inside a bundle directory. */
  public static final String TENSORS_FILE = "model.safetensors";
  /** File name of the manifest inside a bundle directory; written last. */
  public static final String MANIFEST_FILE = "manifest.json";

  private final Manifest manifest;
  private final List<Tensor> tensors;
  private final Map<String, Tensor> byName;

  private Bundle(Manifest manifest, List<Tensor> tensors, Map<String, Tensor> byName) {
    this.manifest = manifest;
    this.tensors = tensors;
    this.byName = byName;
  }

  /**
   * A bundle from a manifest and its tensors (kept in the given order).
   *
   * @throws InvalidInputException when the manifest is inconsistent or the tensors do not match
   *     it, with the same messages {@link #decode} gives
   */
  public static Bundle of(Manifest manifest, List<Tensor> tensors) {
    return checked(manifest, tensors, new BundleValidator(InvalidInputException::new));
  }

  private static Bundle checked(Manifest manifest, List<Tensor> tensors, BundleValidator v) {
    v.checkManifest(manifest);
    List<Tensor> copy = List.copyOf(tensors);
    Map<String, Tensor> byName = v.checkTensors(manifest, copy);
    return new Bundle(manifest, copy, Collections.unmodifiableMap(byName));
  }

  /**
   * Reads a bundle from its two files. Checked in this order, each failure with its own message:
   * the manifest's format version (before anything else), the manifest's own consistency (bit set
   * and h, rounding, layers, per-layer bits), the tensors file's SHA-256 against the manifest
   * ("checksum mismatch"), the safetensors container ({@link Safetensors#read}), and finally the
   * tensors against the declared layers (missing tensors, dtypes, shapes, codes out of range for
   * h or the layer's own bits, scales not positive, tensors that belong to no layer).
   *
   * @throws CorruptDataException naming what is wrong
   */
  public static Bundle decode(byte[] manifestJson, byte[] tensorsFile) {
    BundleValidator v = new BundleValidator(CorruptDataException::new);
    Manifest m = Manifest.fromJson(manifestJson);
    v.checkManifest(m);
    if (m.tensorsSha256() == null || m.tensorsSha256().isEmpty()) {
      throw new CorruptDataException("manifest.json has no tensorsSha256 to check "
          + TENSORS_FILE + " against");
    }
    String actual = sha256Hex(tensorsFile);
    if (!actual.equalsIgnoreCase(m.tensorsSha256())) {
      throw new CorruptDataException("checksum mismatch: " + TENSORS_FILE + " has sha256 " + actual
          + " but manifest.json records " + m.tensorsSha256());
    }
    Safetensors.Contents contents = Safetensors.read(tensorsFile);
    return checked(m, contents.tensors(), v);
  }

  /**
   * The bundle's files, in the order they must be written: {@value #TENSORS_FILE} first, then
   * {@value #MANIFEST_FILE}, which carries the tensors file's SHA-256. Deterministic: equal bundles
   * give equal bytes.
   */
  public Map<String, byte[]> encode() {
    Map<String, String> metadata = new TreeMap<>();
    metadata.put("format", "bitswitch");
    metadata.put("bits", manifest.bits().stream().map(String::valueOf).collect(Collectors.joining(",")));
    metadata.put("h", String.valueOf(manifest.h()));
    byte[] tensorBytes = Safetensors.write(tensors, metadata);
    byte[] manifestBytes = manifest.withTensorsSha256(sha256Hex(tensorBytes)).toJson();
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(TENSORS_FILE, tensorBytes);
    files.put(MANIFEST_FILE, manifestBytes);
    return Collections.unmodifiableMap(files);
  }

  /** The manifest; its {@code tensorsSha256} is null for a bundle that was never encoded. */
  public Manifest manifest() {
    return manifest;
  }

  /** All tensors, in stored order. */
  public List<Tensor> tensors() {
    return tensors;
  }

  /** Whether a tensor of this name exists. */
  public boolean hasTensor(String name) {
    return byName.containsKey(name);
  }

  /**
   * The tensor of this name.
   *
   * @throws InvalidInputException when there is none
   */
  public Tensor tensor(String name) {
    Tensor t = byName.get(name);
    if (t == null) {
      throw new InvalidInputException("bundle has no tensor '" + name + "'");
    }
    return t;
  }

  /**
   * The bit-width a quantized layer's codes are stored at: its {@code layerBits} entry, else h.
   *
   * @throws InvalidInputException when the layer does not exist or is not quantized
   */
  public int bitsOf(String layer) {
    requireLayer(layer, LayerKind.QUANTIZED);
    return manifest.layerBits() == null ? manifest.h() : manifest.layerBits().get(layer);
  }

  /**
   * A layer's weight as floats: {@code code · scale} per output channel for a quantized layer (the
   * model at the precision the codes are stored at), the stored weight for a float layer.
   */
  public float[] dequantizedWeights(String layer) {
    Layer l = manifest.layer(layer);
    if (l == null) {
      throw new InvalidInputException("bundle has no layer '" + layer + "'");
    }
    return switch (l.kind()) {
      case QUANTIZED -> {
        int b = bitsOf(layer);
        yield DoubleRounding.dequantize(tensor(TensorNames.weightCodes(layer)).codes(),
            tensor(TensorNames.weightScale(layer)).floats(), b, b);
      }
      case FLOAT -> tensor(TensorNames.weight(layer)).floats();
      case BATCHNORM -> throw new InvalidInputException("layer '" + layer + "' is batchnorm and has no weight");
    };
  }

  private Layer requireLayer(String name, LayerKind kind) {
    Layer l = manifest.layer(name);
    if (l == null || l.kind() != kind) {
      throw new InvalidInputException("bundle has no " + kind.jsonName() + " layer '" + name
          + "'; " + kind.jsonName() + " layers: " + layersOf(kind));
    }
    return l;
  }

  private List<String> layersOf(LayerKind kind) {
    return manifest.layers().stream().filter(l -> l.kind() == kind).map(Layer::name).toList();
  }

  /**
   * The b-bit model derived by integer arithmetic alone: every quantized layer's codes become
   * {@code DoubleRounding.switchCode(q_h, h, b)}, its scales are multiplied by 2^(h−b) (exact in
   * float), only the b-bit activation scales and BatchNorm sets are kept (the other precisions' and
   * the FP32 set are dropped: the result is for deployment at b), float layers are unchanged. The
   * manifest gets {@code bits=[b]}, {@code h=b} and only the accuracy entry of b.
   *
   * @throws InvalidInputException when b is not in the bundle's bit set, or the bundle is FP32 or
   *     already mixed-precision
   */
  public Bundle switchTo(int b) {
    requireSwitchable();
    if (!manifest.bits().contains(b)) {
      throw new InvalidInputException("cannot switch to " + b + " bits: this bundle holds bits "
          + manifest.bits() + "; allowed: " + manifest.bits().stream().map(String::valueOf)
              .collect(Collectors.joining(", ")));
    }
    Map<String, Integer> perLayer = new LinkedHashMap<>();
    for (String name : BundleValidator.quantizedLayers(manifest)) {
      perLayer.put(name, b);
    }
    String key = String.valueOf(b);
    Map<String, Double> accuracy = manifest.accuracy().containsKey(key)
        ? Map.of(key, manifest.accuracy().get(key)) : Map.of();
    Manifest.Builder mb = manifest.toBuilder().bits(b).h(b).layerBits(null).accuracy(accuracy);
    return derive(perLayer, Set.of(b), mb);
  }

  /**
   * The mixed-precision model: each quantized layer's codes switched to its own bit-width (stored
   * as bytes as before), its scales multiplied by 2^(h−b_l), only its own activation scale kept;
   * BatchNorm sets kept for the widths in use. The manifest gets {@code layerBits}, {@code bits} =
   * the distinct widths used (descending), {@code h} = their maximum, and no accuracies (they
   * were measured for uniform precisions).
   *
   * @param layerBits bit-width of every quantized layer, each from the bundle's bit set
   * @throws InvalidInputException naming unknown layers, layers left out, or widths not in the set
   */
  public Bundle switchTo(Map<String, Integer> layerBits) {
    requireSwitchable();
    if (layerBits == null || layerBits.isEmpty()) {
      throw new InvalidInputException("no per-layer bit-widths given; quantized layers: "
          + layersOf(LayerKind.QUANTIZED));
    }
    Set<String> quantized = BundleValidator.quantizedLayers(manifest);
    List<String> unknown = layerBits.keySet().stream().filter(n -> !quantized.contains(n)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new InvalidInputException("unknown layer(s) " + unknown
          + " in the per-layer bit-widths; quantized layers: " + quantized);
    }
    List<String> missing = quantized.stream().filter(n -> !layerBits.containsKey(n)).toList();
    if (!missing.isEmpty()) {
      throw new InvalidInputException("no bit-width given for quantized layer(s) " + missing
          + "; every quantized layer needs one");
    }
    Map<String, Integer> perLayer = new LinkedHashMap<>();
    for (String name : quantized) {
      Integer b = layerBits.get(name);
      if (b == null || !manifest.bits().contains(b)) {
        throw new InvalidInputException("layer '" + name + "': bit-width " + b
            + " is not in this bundle's bits " + manifest.bits() + "; allowed: "
            + manifest.bits().stream().map(String::valueOf).collect(Collectors.joining(", ")));
      }
      perLayer.put(name, b);
    }
    Set<Integer> used = new TreeSet<>(Collections.reverseOrder());
    used.addAll(perLayer.values());
    Manifest.Builder mb = manifest.toBuilder()
        .bits(new ArrayList<>(used)).h(used.iterator().next()).layerBits(perLayer).accuracy(Map.of());
    return derive(perLayer, used, mb);
  }

  private void requireSwitchable() {
    if (manifest.fp32()) {
      throw new InvalidInputException("this is an FP32 bundle (bits [32]): it has no integer codes to"
          + " switch; switch a bundle written by 'train' or 'supernet'");
    }
    if (manifest.mixedPrecision()) {
      throw new InvalidInputException("this bundle is already mixed-precision (layerBits "
          + manifest.layerBits() + "); switch from the INT-h bundle it was derived from");
    }
  }

  /** Rewrites tensors for per-layer target widths; keeps BatchNorm sets of {@code keptBits}. */
  private Bundle derive(Map<String, Integer> perLayer, Set<Integer> keptBits, Manifest.Builder mb) {
    int h = manifest.h();
    Map<String, Tensor> replaced = new HashMap<>();
    Set<String> dropped = new TreeSet<>();
    for (Layer l : manifest.layers()) {
      String name = l.name();
      if (l.kind() == LayerKind.QUANTIZED) {
        int b = perLayer.get(name);
        Tensor q = tensor(TensorNames.weightCodes(name));
        replaced.put(q.name(), Tensor.ofBytes(q.name(), q.shape(), DoubleRounding.switchCodes(q.codes(), h, b)));
        Tensor s = tensor(TensorNames.weightScale(name));
        float step = (float) (1 << (h - b)); // a power of two: the product below is exact
        float[] scales = s.floats();
        for (int c = 0; c < scales.length; c++) {
          scales[c] *= step;
        }
        replaced.put(s.name(), Tensor.ofFloats(s.name(), s.shape(), scales));
        for (int other : manifest.bits()) {
          if (other != b) {
            dropped.add(TensorNames.activationScale(name, other));
          }
        }
      } else if (l.kind() == LayerKind.BATCHNORM) {
        List<Integer> sets = new ArrayList<>(manifest.bits());
        sets.add(BitWidthSet.FP32_BITS);
        for (int other : sets) {
          if (!keptBits.contains(other)) {
            for (String p : TensorNames.BN_PARAMS) {
              dropped.add(TensorNames.batchNorm(name, other, p));
            }
          }
        }
      }
    }
    List<Tensor> out = new ArrayList<>(tensors.size());
    for (Tensor t : tensors) {
      if (!dropped.contains(t.name())) {
        out.add(replaced.getOrDefault(t.name(), t));
      }
    }
    return of(mb.tensorsSha256(null).build(), out);
  }

  /** Bytes the tensors take (the data section of the tensors file). */
  public long sizeBytes() {
    long n = 0;
    for (Tensor t : tensors) {
      n += t.byteSize();
    }
    return n;
  }

  /**
   * Bytes the same model takes in FP32: every weight and bias element at 4 bytes, plus one
   * BatchNorm set (γ, β, mean, var) per BatchNorm layer at 4 bytes each. Quantization scales are
   * not counted: an FP32 model has none.
   */
  public long fp32SizeBytes() {
    long elements = 0;
    for (Layer l : manifest.layers()) {
      elements += switch (l.kind()) {
        case QUANTIZED, FLOAT -> l.elementCount() + biasCount(l);
        case BATCHNORM -> (long) TensorNames.BN_PARAMS.size() * l.outputChannels();
      };
    }
    return elements * 4;
  }

  /**
   * Bits the deployed model takes: each quantized weight at its bit-width ({@link #bitsOf}, i.e. h
   * for an INT-h bundle), and at 32 bits the float parts the model needs at that precision:
   * quantized layers' biases, per-channel weight scales and one activation scale (if the layer has
   * them), float layers' weights and biases, one BatchNorm set per BatchNorm layer.
   */
  public long deployedSizeBits() {
    long bits = 0;
    for (Layer l : manifest.layers()) {
      String name = l.name();
      switch (l.kind()) {
        case QUANTIZED -> {
          long floats = biasCount(l) + l.outputChannels();
          if (hasTensor(TensorNames.activationScale(name, bitsOf(name)))) {
            floats += 1;
          }
          bits += l.elementCount() * bitsOf(name) + 32 * floats;
        }
        case FLOAT -> bits += 32 * (l.elementCount() + biasCount(l));
        case BATCHNORM -> bits += 32L * TensorNames.BN_PARAMS.size() * l.outputChannels();
      }
    }
    return bits;
  }

  /** {@link #deployedSizeBits()} over the bits of {@link #fp32SizeBytes()}: 1 for an FP32 bundle. */
  public double sizeRatioVsFp32() {
    return deployedSizeBits() / (8.0 * fp32SizeBytes());
  }

  private long biasCount(Layer l) {
    return hasTensor(TensorNames.bias(l.name())) ? l.outputChannels() : 0;
  }

  /** Lowercase hex SHA-256 of {@code bytes}. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Equal when manifests and tensors (in order) are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Bundle b && manifest.equals(b.manifest) && tensors.equals(b.tensors);
  }

  @Override
  public int hashCode() {
    return 31 * manifest.hashCode() + tensors.hashCode();
  }

  @Override
  public String toString() {
    return "Bundle[" + manifest.architecture() + ", bits " + manifest.bits() + ", " + tensors.size()
        + " tensors]";
  }
}
