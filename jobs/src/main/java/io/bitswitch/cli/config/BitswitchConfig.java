package io.bitswitch.cli.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import io.bitswitch.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The validated configuration of one bitswitch run.
 *
 * <p>Three layers, later ones winning: the reference configuration {@value #REFERENCE_RESOURCE}
 * (from the classpath; the source is {@code conf/bitswitch.conf}, which documents every key), an
 * optional user file ({@code --config FILE}), and {@code --set key=value} assignments in the order
 * given. The {@code demo} command adds a fourth layer between the reference and the user's own
 * settings: the overrides of the selected {@code bitswitch.demo.profile} (see
 * {@link #withDemoProfile()}).
 *
 * <p>Everything is checked when loading, so a run never starts with a bad setting: keys the
 * reference does not have (with a suggestion of the closest known key), values of the wrong type,
 * enumeration values, ranges, and the bit-width set (through
 * {@link io.bitswitch.quant.BitWidthSet#parse}). Each problem is an {@link InvalidInputException}
 * whose message names the key and what is allowed. The demo profiles' overrides are checked too,
 * whichever command runs.
 *
 * <p>Instances are immutable; the typed sections are records.
 */
public final class BitswitchConfig {
  /** Classpath name of the reference configuration. */
  public static final String REFERENCE_RESOURCE = "bitswitch.conf";

  private final Config reference;
  private final KnownKeys knownKeys;
  private final Config userLayer;
  private final Config effective;
  private final Optional<DemoProfile> appliedProfile;

  private final long seed;
  private final ModelOptions model;
  private final DataOptions data;
  private final PretrainOptions pretrain;
  private final JointTrainingOptions train;
  private final SensitivityOptions sensitivity;
  private final SupernetOptions supernet;
  private final SearchOptions search;
  private final EvaluateOptions evaluate;
  private final DemoOptions demo;
  private final MetricsOptions metrics;
  private final GateOptions gates;

  private BitswitchConfig(Config reference, KnownKeys knownKeys, Config userLayer, DemoProfile profile) {
    this.reference = reference;
    this.knownKeys = knownKeys;
    this.userLayer = userLayer;
    this.appliedProfile = Optional.ofNullable(profile);

    Config withoutProfile = resolve(userLayer.withFallback(reference));
    Function<String, String> display = Function.identity();
    Config merged = withoutProfile;
    if (profile != null) {
      String blockKey = KnownKeys.DEMO + "." + profile.configName();
      Config block = withoutProfile.getConfig(blockKey);
      merged = resolve(userLayer.withFallback(block.atPath(KnownKeys.ROOT)).withFallback(reference));
      // A value that the profile (not the user) decided is reported under the profile's block.
      display = key -> {
        String relative = key.substring(KnownKeys.ROOT.length() + 1);
        return block.hasPathOrNull(relative) && !hasPathOrNull(userLayer, key) ? blockKey + "." + relative : key;
      };
    }
    this.effective = merged;

    OptionReader r = new OptionReader(merged, display);
    this.seed = r.anyLong("bitswitch.seed");
    this.model = readModel(r, display);
    this.data = new DataOptions(
        r.positiveInt("bitswitch.data.partitions"),
        r.nonNegativeInt("bitswitch.data.max-train-examples"),
        r.nonNegativeInt("bitswitch.data.max-test-examples"),
        r.enumValue("bitswitch.data.augment", AugmentMode.class));
    this.pretrain = new PretrainOptions(
        r.positiveInt("bitswitch.pretrain.epochs"),
        r.positiveInt("bitswitch.pretrain.batch-size"),
        r.positiveDouble("bitswitch.pretrain.lr"),
        r.nonNegativeDouble("bitswitch.pretrain.weight-decay"));
    this.train = new JointTrainingOptions(
        r.bits("bitswitch.train.bits"),
        r.positiveInt("bitswitch.train.epochs"),
        r.positiveInt("bitswitch.train.batch-size"),
        r.positiveDouble("bitswitch.train.lr"),
        r.nonNegativeInt("bitswitch.train.warmup-steps"),
        r.nonNegativeDouble("bitswitch.train.weight-decay"),
        r.bool("bitswitch.train.alrs"),
        r.enumValue("bitswitch.train.update-mode", UpdateMode.class),
        r.enumValue("bitswitch.train.scale-param", ScaleParam.class),
        r.enumValue("bitswitch.train.distill", DistillMode.class),
        distillWeight(r),
        r.positiveDouble("bitswitch.train.distill-temperature"),
        r.openUnitRatio("bitswitch.train.bn-momentum"),
        r.nonNegativeInt("bitswitch.train.checkpoint-every"),
        r.positiveInt("bitswitch.train.log-every"),
        r.positiveInt("bitswitch.train.lock-timeout-seconds"));
    this.sensitivity = new SensitivityOptions(
        r.positiveInt("bitswitch.sensitivity.samples"),
        r.positiveInt("bitswitch.sensitivity.max-iterations"),
        r.positiveDouble("bitswitch.sensitivity.tolerance"));
    this.supernet = new SupernetOptions(
        r.positiveInt("bitswitch.supernet.epochs"),
        r.openUnitRatio("bitswitch.supernet.sigma-max"),
        r.enumValue("bitswitch.supernet.sampling", SupernetSampling.class));
    this.search = new SearchOptions(
        r.enumValue("bitswitch.search.budget", SearchBudget.class),
        r.positiveNumbers("bitswitch.search.budgets"),
        r.nonNegativeInt("bitswitch.search.bn-recalibration-batches"),
        r.nonNegativeInt("bitswitch.search.random-draws"));
    this.evaluate = new EvaluateOptions(r.positiveInt("bitswitch.evaluate.batch-size"));
    this.demo = new DemoOptions(r.enumValue("bitswitch.demo.profile", DemoProfile.class));
    this.metrics = readMetrics(r);
    this.gates = new GateOptions(
        r.accuracyByBits(KnownKeys.MIN_ACCURACY),
        r.closedUnitRatio("bitswitch.gates.max-regression"));
  }

  /** The reference configuration alone: every default. */
  public static BitswitchConfig defaults() {
    return load(Optional.empty(), List.of());
  }

  /**
   * Loads and validates the reference configuration overridden by {@code file} and then by
   * {@code sets}.
   *
   * @param file a HOCON file ({@code --config}); its keys live under {@code bitswitch { ... }}
   * @param sets {@code key=value} assignments ({@code --set}), applied in order
   * @throws InvalidInputException when the file is missing or malformed, or any key or value is
   *     not acceptable
   */
  public static BitswitchConfig load(Optional<Path> file, List<String> sets) {
    Config reference = loadReference();
    KnownKeys known = new KnownKeys(reference.root());
    Config userLayer = ConfigFactory.empty();
    if (file.isPresent()) {
      Config fileLayer = parseFile(file.get());
      known.check(fileLayer.root(), BitswitchConfig::location);
      userLayer = fileLayer;
    }
    for (String assignment : sets) {
      SetOverride set = SetOverride.parse(assignment);
      Config setLayer = set.asConfig();
      known.check(setLayer.root(), value -> "--set " + set.text());
      userLayer = setLayer.withFallback(userLayer);
    }
    BitswitchConfig config = new BitswitchConfig(reference, known, userLayer, null);
    // Check every profile's overrides now, so a bad one fails whichever command runs.
    for (DemoProfile profile : DemoProfile.values()) {
      new BitswitchConfig(reference, known, userLayer, profile);
    }
    return config;
  }

  /**
   * This configuration with the overrides of the selected {@code bitswitch.demo.profile} applied
   * beneath the user's own settings: reference ← profile ← file ← --set. What the {@code demo}
   * command runs with.
   */
  public BitswitchConfig withDemoProfile() {
    return new BitswitchConfig(reference, knownKeys, userLayer, demo.profile());
  }

  /** The demo profile whose overrides are applied, if {@link #withDemoProfile()} made this. */
  public Optional<DemoProfile> appliedProfile() {
    return appliedProfile;
  }

  /** The effective configuration as HOCON ({@code bitswitch { ... }}), for logs and reports. */
  public String toHocon() {
    return effective.withOnlyPath(KnownKeys.ROOT).root()
        .render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setJson(false));
  }

  /**
   * Whether {@code --config} or {@code --set} gave {@code key} (e.g. {@code bitswitch.model.architecture}),
   * rather than it coming from the defaults: a command may refuse a setting it cannot honour only
   * when the user asked for it.
   */
  public boolean userGives(String key) {
    return userLayer.hasPathOrNull(key);
  }

  /** Every key of the reference configuration, sorted (open maps such as {@code gates.min-accuracy} are one key). */
  public List<String> knownKeys() {
    return List.copyOf(knownKeys.leaves());
  }

  /** {@code bitswitch.seed}: the seed of every random choice. */
  public long seed() {
    return seed;
  }

  /** {@code bitswitch.model}. */
  public ModelOptions model() {
    return model;
  }

  /** {@code bitswitch.data}. */
  public DataOptions data() {
    return data;
  }

  /** {@code bitswitch.pretrain}. */
  public PretrainOptions pretrain() {
    return pretrain;
  }

  /** {@code bitswitch.train}. */
  public JointTrainingOptions train() {
    return train;
  }

  /** {@code bitswitch.sensitivity}. */
  public SensitivityOptions sensitivity() {
    return sensitivity;
  }

  /** {@code bitswitch.supernet}. */
  public SupernetOptions supernet() {
    return supernet;
  }

  /** {@code bitswitch.search}. */
  public SearchOptions search() {
    return search;
  }

  /** {@code bitswitch.evaluate}. */
  public EvaluateOptions evaluate() {
    return evaluate;
  }

  /** {@code bitswitch.demo}. */
  public DemoOptions demo() {
    return demo;
  }

  /** {@code bitswitch.metrics}. */
  public MetricsOptions metrics() {
    return metrics;
  }

  /** {@code bitswitch.gates}. */
  public GateOptions gates() {
    return gates;
  }

  private static ModelOptions readModel(OptionReader r, Function<String, String> display) {
    Architecture architecture = r.enumValue("bitswitch.model.architecture", Architecture.class);
    String file = r.string("bitswitch.model.config").trim();
    if (architecture == Architecture.CUSTOM && file.isEmpty()) {
      throw new InvalidInputException(display.apply("bitswitch.model.config")
          + " must name a DL4J configuration JSON file when " + display.apply("bitswitch.model.architecture")
          + " = custom");
    }
    if (architecture != Architecture.CUSTOM && !file.isEmpty()) {
      throw new InvalidInputException(display.apply("bitswitch.model.config") + " is only read when "
          + display.apply("bitswitch.model.architecture") + " = custom (it is "
          + architecture.configName() + "); remove it or set the architecture to custom");
    }
    return new ModelOptions(architecture, file.isEmpty() ? Optional.empty() : Optional.of(file),
        r.bool("bitswitch.model.quantize-first-last"),
        r.enumValue("bitswitch.model.init", InitScheme.class));
  }

  private static double distillWeight(OptionReader r) {
    double w = r.openUnitRatio("bitswitch.train.distill-weight");
    if (w >= 1) {
      throw new InvalidInputException("bitswitch.train.distill-weight must be a number in (0, 1) (1 would drop the "
          + "labels), got " + w);
    }
    return w;
  }

  private static MetricsOptions readMetrics(OptionReader r) {
    int port = r.intInRange("bitswitch.metrics.port", 0, 65535, "a port number in 0..65535 (0 disables)");
    String pushgateway = r.string("bitswitch.metrics.pushgateway").trim();
    if (!pushgateway.isEmpty() && !isHostAndPort(pushgateway)) {
      throw new InvalidInputException("bitswitch.metrics.pushgateway must be empty or host:port, got '"
          + pushgateway + "'");
    }
    String job = r.string("bitswitch.metrics.job").trim();
    if (job.isEmpty()) {
      throw new InvalidInputException("bitswitch.metrics.job must be a non-empty string");
    }
    return new MetricsOptions(port, pushgateway.isEmpty() ? Optional.empty() : Optional.of(pushgateway), job);
  }

  private static boolean isHostAndPort(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || text.contains("/")) {
      return false;
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      return port >= 1 && port <= 65535;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static Config loadReference() {
    try {
      return ConfigFactory.parseResources(BitswitchConfig.class.getClassLoader(), REFERENCE_RESOURCE,
          ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
    } catch (ConfigException e) {
      throw new IllegalStateException("the reference configuration " + REFERENCE_RESOURCE
          + " is missing from the classpath or malformed; the build is broken", e);
    }
  }

  private static Config parseFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("config file " + file + " does not exist or is not a regular file");
    }
    try {
      return ConfigFactory.parseFile(file.toFile(),
          ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
    } catch (ConfigException e) {
      throw new InvalidInputException("config file " + file + " is not valid HOCON: " + e.getMessage());
    }
  }

  private static Config resolve(Config config) {
    try {
      return config.resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException("configuration cannot be resolved: " + e.getMessage());
    }
  }

  private static boolean hasPathOrNull(Config config, String key) {
    try {
      return config.hasPathOrNull(key);
    } catch (ConfigException e) {
      return false;
    }
  }

  private static String location(ConfigValue value) {
    ConfigOrigin origin = value.origin();
    if (origin.filename() != null && origin.lineNumber() > 0) {
      return origin.filename() + " line " + origin.lineNumber();
    }
    return origin.description();
  }
}
