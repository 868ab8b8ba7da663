package io.bitswitch.bundle;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitswitch.BitswitchException;
import io.bitswitch.BuildVersion;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.quant.BitWidthSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The bundle's {@code manifest.json}: what the tensors file holds and how to use it. Immutable;
 * build one with {@link #builder()} or derive one with {@link #toBuilder()}.
 *
 * <p>JSON output is deterministic and pretty-printed (two-space indent, {@code \n} line ends,
 * fields in the order of the components below, keys in snake_case: {@code format_version},
 * {@code layer_bits}, ...): {@code accuracy} is ordered by bit-width, largest first;
 * {@code layer_bits} in the order of {@code layers}; the top level of {@code extra} by key. Absent
 * optional fields ({@code layer_bits}, {@code tensors_sha256} before encoding) are omitted.
 *
 * <p>Format version 1 named the same fields in camelCase ({@code formatVersion}, {@code layerBits},
 * ...); {@link #fromJson} reads such a manifest as the version-2 manifest it equals (see
 * docs/design/architecture.md §5).
 *
 * <p>Semantic checks (bit set, shapes, tensors) are done by {@link Bundle}, which sees manifest and
 * tensors together; this class only normalises (defensive copies, defaults for empty collections).
 *
 * @param formatVersion manifest format version, {@value #CURRENT_FORMAT_VERSION} for this build
 * @param producer program and version that wrote the bundle, e.g. {@code "bitswitch 0.1.0-SNAPSHOT"}
 * @param architecture architecture name, e.g. {@code "fmnist-cnn"}
 * @param modelConfig the DL4J network configuration JSON, or empty
 * @param inputShape input (channels, height, width)
 * @param numClasses number of output classes
 * @param bits bit set, descending; {@code [32]} for an FP32 bundle
 * @param h stored precision: {@code max(bits)}; 32 for an FP32 bundle
 * @param rounding rounding rule of the integer switch; always {@value #ROUNDING}
 * @param layerBits per-layer bit-widths of a mixed-precision bundle (quantized layers only), or null
 * @param quantizeFirstLast whether the first and last layers are quantized too
 * @param normalization input normalisation applied before the first layer
 * @param accuracy measured accuracy ratio per bit-width (keys like {@code "8"}, {@code "32"}), maybe empty
 * @param layers the layers that own tensors, in network order
 * @param tensorsFile name of the tensors file, {@value Bundle#TENSORS_FILE}
 * @param tensorsSha256 lowercase hex SHA-256 of the tensors file; null until encoded
 * @param extra free-form sections added by later stages (e.g. {@code sensitivity}): JSON-like
 *     values (maps, lists, strings, numbers, booleans), copied deeply and unmodifiable
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format_version", "producer", "architecture", "model_config", "input_shape",
    "num_classes", "bits", "h", "rounding", "layer_bits", "quantize_first_last", "normalization",
    "accuracy", "layers", "tensors_file", "tensors_sha256", "extra"})
public record Manifest(
    @JsonProperty("format_version") int formatVersion,
    String producer,
    String architecture,
    @JsonProperty("model_config") String modelConfig,
    @JsonProperty("input_shape") int[] inputShape,
    @JsonProperty("num_classes") int numClasses,
    List<Integer> bits,
    int h,
    String rounding,
    @JsonProperty("layer_bits") Map<String, Integer> layerBits,
    @JsonProperty("quantize_first_last") boolean quantizeFirstLast,
    Normalization normalization,
    Map<String, Double> accuracy,
    List<Layer> layers,
    @JsonProperty("tensors_file") String tensorsFile,
    @JsonProperty("tensors_sha256") String tensorsSha256,
    Map<String, Object> extra) {

  /** The manifest format version this build writes; it reads {@value #CAMEL_CASE_FORMAT_VERSION} too. */
  public static final int CURRENT_FORMAT_VERSION = 2;
  /**
   * The format version whose keys were camelCase ({@code formatVersion}); otherwise the same
   * fields as version 2, which this build reads such a manifest as.
   */
  public static final int CAMEL_CASE_FORMAT_VERSION = 1;
  /** The only rounding rule: round half up by arithmetic shift (docs/design/method.md §1). */
  public static final String ROUNDING = "half-up-shift";
  /** Default producer string: this build's, {@code "bitswitch <project version>"} ({@link BuildVersion}). */
  public static final String DEFAULT_PRODUCER = BuildVersion.producer();

  private static final ObjectMapper READER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .build();
  private static final ObjectWriter WRITER;

  static {
    DefaultIndenter lf = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
        .withObjectIndenter(lf);
    WRITER = new ObjectMapper().writer(printer);
  }

  /** Normalises: copies collections, fills empty defaults, orders maps deterministically. */
  public Manifest {
    modelConfig = modelConfig == null ? "" : modelConfig;
    inputShape = inputShape == null ? null : inputShape.clone();
    bits = bits == null ? null : Collections.unmodifiableList(new ArrayList<>(bits));
    layers = layers == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(layers));
    layerBits = layerBits == null || layerBits.isEmpty() ? null : orderedLike(layerBits, layers);
    accuracy = accuracy == null ? Map.of() : sortedByBits(accuracy);
    tensorsFile = tensorsFile == null ? Bundle.TENSORS_FILE : tensorsFile;
    extra = extra == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(frozenMap(extra)));
  }

  /** The input shape (a copy). */
  @Override
  @JsonProperty("input_shape")
  public int[] inputShape() {
    return inputShape == null ? null : inputShape.clone();
  }

  /** Whether this is an FP32 bundle ({@code bits = [32]}). */
  @JsonIgnore
  public boolean fp32() {
    return bits != null && bits.equals(List.of(BitWidthSet.FP32_BITS));
  }

  /** Whether this is a mixed-precision bundle ({@code layerBits} set). */
  @JsonIgnore
  public boolean mixedPrecision() {
    return layerBits != null;
  }

  /** The layer with this name, or null. */
  public Layer layer(String name) {
    for (Layer l : layers) {
      if (l.name().equals(name)) {
        return l;
      }
    }
    return null;
  }

  /** A copy with another checksum. */
  public Manifest withTensorsSha256(String sha256) {
    return toBuilder().tensorsSha256(sha256).build();
  }

  /** The pretty-printed, deterministic JSON, UTF-8, ending with a newline. */
  public byte[] toJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      WRITER.writeValue(out, this);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
    out.write('\n');
    return out.toByteArray();
  }

  /**
   * Parses a manifest. The format version is checked first, before any other field is looked at,
   * so that a newer format is reported as such rather than as some field it does not understand.
   * A version-1 manifest (camelCase keys) is read as the version-2 manifest with the same fields.
   *
   * @throws CorruptDataException on malformed JSON, a missing or unsupported format version, an
   *     unknown field, or a field of the wrong type
   */
  public static Manifest fromJson(byte[] json) {
    JsonNode tree;
    try {
      tree = READER.readTree(json);
    } catch (JacksonException e) {
      throw new CorruptDataException("manifest.json is malformed JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new CorruptDataException("manifest.json cannot be read: " + e.getMessage(), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new CorruptDataException("manifest.json is not a JSON object");
    }
    boolean camelCase = !tree.has("format_version") && tree.has("formatVersion");
    JsonNode version = tree.get(camelCase ? "formatVersion" : "format_version");
    if (version == null || !version.isInt()) {
      throw new CorruptDataException("manifest.json has no integer format_version");
    }
    int expected = camelCase ? CAMEL_CASE_FORMAT_VERSION : CURRENT_FORMAT_VERSION;
    if (version.intValue() != expected) {
      throw new CorruptDataException("unsupported bundle format_version " + version.intValue()
          + ": this build of bitswitch reads format version " + CURRENT_FORMAT_VERSION
          + " (and version " + CAMEL_CASE_FORMAT_VERSION + ", whose keys are camelCase)");
    }
    if (camelCase) {
      tree = ManifestVersion1.asVersion2((ObjectNode) tree);
    }
    try {
      return READER.treeToValue(tree, Manifest.class);
    } catch (UnrecognizedPropertyException e) {
      throw new CorruptDataException("manifest.json field '" + e.getPropertyName()
          + "' is not part of format version " + CURRENT_FORMAT_VERSION, e);
    } catch (JacksonException e) {
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        if (c instanceof BitswitchException) {
          throw new CorruptDataException("manifest.json: " + c.getMessage(), e);
        }
      }
      throw new CorruptDataException("manifest.json does not match format version "
          + CURRENT_FORMAT_VERSION + ": " + e.getOriginalMessage(), e);
    }
  }

  /** Equal when every field is equal (arrays by content). */
  @Override
  public boolean equals(Object o) {
    return o instanceof Manifest m && formatVersion == m.formatVersion && numClasses == m.numClasses
        && h == m.h && quantizeFirstLast == m.quantizeFirstLast
        && Objects.equals(producer, m.producer) && Objects.equals(architecture, m.architecture)
        && Objects.equals(modelConfig, m.modelConfig) && Arrays.equals(inputShape, m.inputShape)
        && Objects.equals(bits, m.bits) && Objects.equals(rounding, m.rounding)
        && Objects.equals(layerBits, m.layerBits) && Objects.equals(normalization, m.normalization)
        && Objects.equals(accuracy, m.accuracy) && Objects.equals(layers, m.layers)
        && Objects.equals(tensorsFile, m.tensorsFile) && Objects.equals(tensorsSha256, m.tensorsSha256)
        && Objects.equals(extra, m.extra);
  }

  @Override
  public int hashCode() {
    return Objects.hash(formatVersion, producer, architecture, modelConfig, Arrays.hashCode(inputShape),
        numClasses, bits, h, rounding, layerBits, quantizeFirstLast, normalization, accuracy, layers,
        tensorsFile, tensorsSha256, extra);
  }

  @Override
  public String toString() {
    return new String(toJson(), StandardCharsets.UTF_8);
  }

  /** A builder with the defaults: current format version, default producer, rounding rule. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this manifest's fields. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.formatVersion = formatVersion;
    b.producer = producer;
    b.architecture = architecture;
    b.modelConfig = modelConfig;
    b.inputShape = inputShape;
    b.numClasses = numClasses;
    b.bits = bits;
    b.h = h;
    b.rounding = rounding;
    b.layerBits = layerBits;
    b.quantizeFirstLast = quantizeFirstLast;
    b.normalization = normalization;
    b.accuracy = accuracy;
    b.layers = layers;
    b.tensorsFile = tensorsFile;
    b.tensorsSha256 = tensorsSha256;
    b.extra = extra;
    return b;
  }

  /** Builds a {@link Manifest}; every setter returns the builder. */
  public static final class Builder {
    private int formatVersion = CURRENT_FORMAT_VERSION;
    private String producer = DEFAULT_PRODUCER;
    private String architecture;
    private String modelConfig = "";
    private int[] inputShape;
    private int numClasses;
    private List<Integer> bits;
    private int h;
    private String rounding = ROUNDING;
    private Map<String, Integer> layerBits;
    private boolean quantizeFirstLast;
    private Normalization normalization = new Normalization(0f, 1f);
    private Map<String, Double> accuracy = Map.of();
    private List<Layer> layers = List.of();
    private String tensorsFile = Bundle.TENSORS_FILE;
    private String tensorsSha256;
    private Map<String, Object> extra = Map.of();

    private Builder() {}

    public Builder formatVersion(int v) {
      formatVersion = v;
      return this;
    }

    public Builder producer(String v) {
      producer = v;
      return this;
    }

    public Builder architecture(String v) {
      architecture = v;
      return this;
    }

    public Builder modelConfig(String v) {
      modelConfig = v;
      return this;
    }

    public Builder inputShape(int... v) {
      inputShape = v.clone();
      return this;
    }

    public Builder numClasses(int v) {
      numClasses = v;
      return this;
    }

    /** The bit set, largest first. */
    public Builder bits(List<Integer> v) {
      bits = v;
      return this;
    }

    /** The bit set, largest first. */
    public Builder bits(int... v) {
      bits = Arrays.stream(v).boxed().toList();
      return this;
    }

    /** Sets {@code bits=[32]} and {@code h=32}: an FP32 bundle. */
    public Builder fp32() {
      bits = List.of(BitWidthSet.FP32_BITS);
      h = BitWidthSet.FP32_BITS;
      return this;
    }

    public Builder h(int v) {
      h = v;
      return this;
    }

    public Builder rounding(String v) {
      rounding = v;
      return this;
    }

    public Builder layerBits(Map<String, Integer> v) {
      layerBits = v;
      return this;
    }

    public Builder quantizeFirstLast(boolean v) {
      quantizeFirstLast = v;
      return this;
    }

    public Builder normalization(Normalization v) {
      normalization = v;
      return this;
    }

    public Builder accuracy(Map<String, Double> v) {
      accuracy = v;
      return this;
    }

    public Builder layers(List<Layer> v) {
      layers = v;
      return this;
    }

    public Builder tensorsFile(String v) {
      tensorsFile = v;
      return this;
    }

    public Builder tensorsSha256(String v) {
      tensorsSha256 = v;
      return this;
    }

    public Builder extra(Map<String, Object> v) {
      extra = v;
      return this;
    }

    /** Adds or replaces one {@code extra} section. */
    public Builder extra(String key, Object value) {
      Map<String, Object> m = new TreeMap<>(extra == null ? Map.of() : extra);
      m.put(key, value);
      extra = m;
      return this;
    }

    public Manifest build() {
      return new Manifest(formatVersion, producer, architecture, modelConfig, inputShape, numClasses,
          bits, h, rounding, layerBits, quantizeFirstLast, normalization, accuracy, layers,
          tensorsFile, tensorsSha256, extra);
    }
  }

  /**
   * Input normalisation {@code x' = (x/255 − mean) / std} of the [0, 1]-scaled pixels: {@code mean},
   * {@code std} for every channel unless {@code channelMeans}, {@code channelStds} (null in bundles
   * from before per-channel statistics) give one per channel; {@code mean}, {@code std} are then channel 0's.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Normalization(float mean, float std, @JsonProperty("channel_means") List<Float> channelMeans,
      @JsonProperty("channel_stds") List<Float> channelStds) {
    public Normalization(float mean, float std) {
      this(mean, std, null, null);
    }
  }

  /** What a layer's tensors are. */
  public enum LayerKind {
    /** INT-h codes with per-channel scales, per-bit activation scales, optional float bias. */
    QUANTIZED("quantized"),
    /** Floating-point weight and optional bias. */
    FLOAT("float"),
    /** One (γ, β, mean, var) set per bit-width. */
    BATCHNORM("batchnorm");

    private final String jsonName;

    LayerKind(String jsonName) {
      this.jsonName = jsonName;
    }

    /** The name used in manifest.json. */
    @JsonValue
    public String jsonName() {
      return jsonName;
    }

    /** The kind named {@code name} in manifest.json. */
    @JsonCreator
    public static LayerKind fromJsonName(String name) {
      for (LayerKind k : values()) {
        if (k.jsonName.equals(name)) {
          return k;
        }
      }
      throw new InvalidInputException("unknown layer kind '" + name
          + "'; allowed: quantized, float, batchnorm");
    }
  }

  /**
   * One layer that owns tensors.
   *
   * @param name layer name, the prefix of its tensors' names
   * @param kind what its tensors are
   * @param shape weight shape with the output channel first (conv {@code [out, in, kh, kw]}, dense
   *     {@code [out, in]}); for BatchNorm {@code [channels]}
   */
  public record Layer(String name, LayerKind kind, int[] shape) {
    /** Copies the shape. */
    public Layer {
      shape = shape == null ? null : shape.clone();
    }

    /** A quantized layer. */
    public static Layer quantized(String name, int... shape) {
      return new Layer(name, LayerKind.QUANTIZED, shape);
    }

    /** A floating-point layer. */
    public static Layer floating(String name, int... shape) {
      return new Layer(name, LayerKind.FLOAT, shape);
    }

    /** A BatchNorm layer over {@code channels}. */
    public static Layer batchNorm(String name, int channels) {
      return new Layer(name, LayerKind.BATCHNORM, new int[] {channels});
    }

    /** The shape (a copy). */
    @Override
    public int[] shape() {
      return shape == null ? null : shape.clone();
    }

    /** Output channels: the first dimension. */
    @JsonIgnore
    public int outputChannels() {
      return shape[0];
    }

    /** Elements of the weight (or channels of a BatchNorm layer). */
    @JsonIgnore
    public long elementCount() {
      long n = 1;
      for (int d : shape) {
        n *= d;
      }
      return n;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Layer l && Objects.equals(name, l.name) && kind == l.kind
          && Arrays.equals(shape, l.shape);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, kind, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
      return name + " " + (kind == null ? "?" : kind.jsonName()) + " " + Arrays.toString(shape);
    }
  }

  // Bit-width keys numerically, largest first; any other keys after them, alphabetically.
  private static Map<String, Double> sortedByBits(Map<String, Double> accuracy) {
    Comparator<String> byBits = (a, b) -> {
      Integer x = parseIntOrNull(a);
      Integer y = parseIntOrNull(b);
      if (x != null && y != null) {
        return Integer.compare(y, x);
      }
      if (x != null || y != null) {
        return x != null ? -1 : 1;
      }
      return a.compareTo(b);
    };
    Map<String, Double> sorted = new TreeMap<>(byBits);
    sorted.putAll(accuracy);
    return Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
  }

  private static Integer parseIntOrNull(String s) {
    try {
      return Integer.valueOf(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // Deep, order-preserving, unmodifiable copies of the free-form extra sections.
  private static Map<String, Object> frozenMap(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), frozen(v)));
    return Collections.unmodifiableMap(out);
  }

  private static Object frozen(Object v) {
    if (v instanceof Map<?, ?> m) {
      return frozenMap(m);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(frozen(x)));
      return Collections.unmodifiableList(out);
    }
    return v;
  }

  // In the order of the layers list; names that are not layers follow alphabetically.
  private static Map<String, Integer> orderedLike(Map<String, Integer> layerBits, List<Layer> layers) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (Layer l : layers) {
      if (l != null && layerBits.containsKey(l.name())) {
        out.put(l.name(), layerBits.get(l.name()));
      }
    }
    new TreeMap<>(layerBits).forEach(out::putIfAbsent);
    return Collections.unmodifiableMap(out);
  }
}
