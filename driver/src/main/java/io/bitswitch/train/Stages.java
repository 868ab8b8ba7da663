package io.bitswitch.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Normalization;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.model.Architectures;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.ParameterInit;
import io.bitswitch.model.ParamLayout;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.sensitivity.SensitivityAnalysis;
import io.bitswitch.store.BundleStore;
import io.bitswitch.store.CheckpointStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The training pipeline's stages as the command line runs them: {@code pretrain} (FP32),
 * {@code train} (joint multi-precision QAT) and {@code evaluate}. Each writes its bundle through
 * {@link BundleStore} (atomic publish) and its {@code report.json}/{@code history.csv} into the run
 * directory.
 */
public final class Stages {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Stages() {}

  /**
   * The model and data of a stage.
   *
   * @param architecture architecture name
   * @param userConfigJson DL4J JSON for {@code custom}
   * @param seed initialisation and data-order seed
   * @param dataUri dataset (IDX/CSV directory or ingested Parquet)
   * @param partitions number of shards
   * @param maxTrain training examples to use (0 = all)
   * @param maxTest test examples to use (0 = all)
   * @param evalBatch inference batch size
   * @param init how a fresh built-in architecture's weights are drawn (custom ones keep their own)
   */
  public record Setup(String architecture, String userConfigJson, long seed, String dataUri, int partitions,
      long maxTrain, long maxTest, int evalBatch, ParameterInit init) {
    /** A setup with the project's default initialisation, {@link ParameterInit#FAN_IN_UNIFORM}. */
    public Setup(String architecture, String userConfigJson, long seed, String dataUri, int partitions,
        long maxTrain, long maxTest, int evalBatch) {
      this(architecture, userConfigJson, seed, dataUri, partitions, maxTrain, maxTest, evalBatch,
          ParameterInit.FAN_IN_UNIFORM);
    }

    /** The initial θ of a fresh run of {@code graph}. */
    float[] initialParameters(QuantizedGraph graph) {
      return "custom".equals(architecture) ? graph.initialParameters() : graph.initialParameters(init, seed);
    }
  }

  /**
   * Where and how often training state is checkpointed.
   *
   * @param stateUri the run's {@code state/} directory; null disables checkpoints
   * @param every steps between checkpoints (0: only the final state)
   * @param resume continue from the newest committed checkpoint under {@code stateUri}
   */
  public record Checkpointing(String stateUri, int every, boolean resume) {
    /** No checkpoints. */
    public static final Checkpointing NONE = new Checkpointing(null, 0, false);
  }

  /**
   * What a stage reports besides its progress output, for the job's metrics: every training step
   * and every checkpoint written. Called on the driver thread.
   */
  public interface Listener {
    /** Listens to nothing. */
    Listener NONE = new Listener() {};

    /** After each training step. */
    default void step(StepRecord record) {}

    /** After each SuperNet pass, with the bit-width every quantized layer ran at. */
    default void hasbDraw(int... layerBits) {}

    /**
     * After each committed checkpoint.
     *
     * @param step the step it holds
     * @param seconds wall time of the write, commit and pruning
     * @param bytes bytes written
     */
    default void checkpointWritten(int step, double seconds, long bytes) {}
  }

  /** What a stage produced. */
  public record Outcome(Bundle bundle, Map<String, Double> accuracy, List<StepRecord> history, double seconds,
      int trainExamples, Map<String, Object> scaleDrift) {
    /** An outcome without quantization scales (FP32). */
    public Outcome(Bundle bundle, Map<String, Double> accuracy, List<StepRecord> history, double seconds,
        int trainExamples) {
      this(bundle, accuracy, history, seconds, trainExamples, Map.of());
    }
  }

  private record Data(Dataset dataset, JavaRDD<Shard> train, JavaRDD<Shard> test, Normalization norm) {
    /** Drops the cached shards once the stage is done with them. */
    void release() {
      if (train != null) {
        train.unpersist(false);
      }
      test.unpersist(false);
    }
  }

  private static Data open(SparkSession spark, Setup s, boolean needTrain) {
    Dataset ds = Datasets.open(spark, s.dataUri());
    Normalization norm = ds.normalization();
    long maxTrain = s.maxTrain() <= 0 ? Long.MAX_VALUE : s.maxTrain();
    long maxTest = s.maxTest() <= 0 ? Long.MAX_VALUE : s.maxTest();
    JavaRDD<Shard> train = needTrain ? ds.shards(Split.TRAIN, s.partitions(), norm, maxTrain) : null;
    JavaRDD<Shard> test = ds.shards(Split.TEST, s.partitions(), norm, maxTest);
    return new Data(ds, train, test, norm);
  }

  private static ModelSpec spec(Setup s, Dataset ds, int[] precisions) {
    int[] shape = ds.inputShape().toArray();
    return new ModelSpec(s.architecture(), s.architecture().equals("custom") ? s.userConfigJson() : "", shape,
        ds.numClasses(), s.seed(), precisions);
  }

  private static Manifest.Builder manifestBase(ModelSpec spec, Normalization norm, Map<String, Double> acc) {
    String config = Architectures.build(spec.architecture(), spec.userConfigJson(), spec.inputShape()[0],
        spec.inputShape()[1], spec.inputShape()[2], spec.classes(), spec.seed()).toJson();
    return Manifest.builder().architecture(spec.architecture()).modelConfig(config)
        .inputShape(spec.inputShape()).numClasses(spec.classes()).normalization(norm.mean(), norm.std())
        .accuracy(acc).quantizeFirstLast(false);
  }

  private static String key(int precision) {
    return Integer.toString(precision);
  }

  /** FP32 training from scratch; publishes an FP32 bundle ({@code bits=[32]}) at {@code bundleUri}. */
  public static Outcome pretrain(SparkSession spark, Setup setup, TrainOptions options, String bundleUri,
      PrintStream progress) {
    return pretrain(spark, setup, options, bundleUri, progress, Listener.NONE);
  }

  /**
   * As {@link #pretrain(SparkSession, Setup, TrainOptions, String, PrintStream)}, telling
   * {@code listener} each step.
   */
  public static Outcome pretrain(SparkSession spark, Setup setup, TrainOptions options, String bundleUri,
      PrintStream progress, Listener listener) {
    long t0 = System.nanoTime();
    Data d = open(spark, setup, true);
    ModelSpec spec = spec(setup, d.dataset(), new int[] {ParamLayout.FLOAT});
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options);
    float[] theta = setup.initialParameters(trainer.driverGraph());
    trainer.onStep(new ProgressPrinter("pretrain", trainer.totalSteps(d.train()), options.epochs(),
        options.logEvery(), progress).andThen(listener::step));
    trainer.train(d.train(), theta, false, 0, new Adam(trainer.layout(), options.scales()), step -> { });
    double[] acc = Evaluator.accuracy(sc, d.test(), spec, theta, new int[] {ParamLayout.FLOAT}, setup.evalBatch());
    Map<String, Double> accuracy = new LinkedHashMap<>();
    accuracy.put(key(ParamLayout.FLOAT), acc[0]);
    Bundle bundle = ModelBundles.toBundle(trainer.driverGraph(), theta, manifestBase(spec, d.norm(), accuracy));
    BundleStore.publish(bundle, bundleUri, spark.sparkContext().hadoopConfiguration(), false);
    int examples = d.train().map(Shard::count).reduce(Integer::sum);
    d.release();
    return new Outcome(bundle, accuracy, trainer.history(), (System.nanoTime() - t0) / 1e9,
        examples);
  }

  /**
   * Joint multi-precision QAT over {@code bits}, from the FP32 bundle at {@code initUri} (or from
   * scratch when null); publishes the INT-h bundle at {@code bundleUri}.
   */
  public static Outcome train(SparkSession spark, Setup setup, TrainOptions options, BitWidthSet bits,
      String initUri, String bundleUri, PrintStream progress) {
    return train(spark, setup, options, bits, initUri, bundleUri, Checkpointing.NONE, progress);
  }

  /**
   * As {@link #train(SparkSession, Setup, TrainOptions, BitWidthSet, String, String, PrintStream)},
   * checkpointing the state (θ, Adam moments, step) and optionally resuming from the newest
   * committed checkpoint, which then takes the place of {@code initUri}.
   */
  public static Outcome train(SparkSession spark, Setup setup, TrainOptions options, BitWidthSet bits,
      String initUri, String bundleUri, Checkpointing checkpointing, PrintStream progress) {
    return train(spark, setup, options, bits, initUri, bundleUri, checkpointing, progress, Listener.NONE);
  }

  /**
   * As {@link #train(SparkSession, Setup, TrainOptions, BitWidthSet, String, String, Checkpointing,
   * PrintStream)}, telling {@code listener} each step and each checkpoint written.
   */
  public static Outcome train(SparkSession spark, Setup setup, TrainOptions options, BitWidthSet bits,
      String initUri, String bundleUri, Checkpointing checkpointing, PrintStream progress, Listener listener) {
    long t0 = System.nanoTime();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Bundle init = initUri == null ? null : BundleStore.read(initUri, hadoop);
    Data d = open(spark, setup, true);
    int[] precisions = bits.descending();
    ModelSpec spec = spec(setup, d.dataset(), precisions);
    if (init != null) {
      requireCompatible(init, spec, initUri);
    }
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options);
    Adam adam = new Adam(trainer.layout(), options.scales());
    String modelKey = spec.architecture() + Arrays.toString(precisions);
    CheckpointStore.Checkpoint resumedFrom = resume(checkpointing, modelKey, trainer.layout().size(), adam, hadoop);
    float[] resumedTheta = resumedFrom == null ? null : resumedFrom.arrays().get("theta");
    int startStep = resumedFrom == null ? 0 : resumedFrom.step();
    float[] theta;
    boolean warmStart = false;
    if (resumedTheta != null) {
      theta = resumedTheta;
    } else if (init == null) {
      theta = setup.initialParameters(trainer.driverGraph());
    } else {
      int[] initBits = ModelBundles.precisionsOf(init);
      if (init.manifest().fp32()) {
        QuantizedGraph fp = spec.withPrecisions(initBits).build();
        theta = trainer.driverGraph().fromFloatModel(ModelBundles.toTheta(init, fp), fp.layout());
      } else if (Arrays.equals(initBits, precisions) && !init.manifest().mixedPrecision()) {
        // Warm start from a published multi-precision bundle: its INT-h codes (dequantized) become
        // the latent weights; scales, activation scales and BN sets carry over.
        theta = ModelBundles.toTheta(init, trainer.driverGraph());
        warmStart = true;
      } else {
        throw new InvalidInputException("bundle " + initUri + " has bits " + init.manifest().bits()
            + " but this run trains " + bits + "; start from an FP32 bundle (pretrain) or a bundle of the same bits");
      }
    }
    int total = trainer.totalSteps(d.train());
    trainer.onStep(new ProgressPrinter("train", total, options.epochs(), options.logEvery(), progress)
        .andThen(listener::step));
    trainer.train(d.train(), theta, startStep == 0 && !warmStart, startStep, adam,
        checkpointer(checkpointing, total, modelKey, theta, adam, hadoop, listener));
    double[] acc = Evaluator.accuracy(sc, d.test(), spec, theta, precisions, setup.evalBatch());
    Map<String, Double> accuracy = new LinkedHashMap<>();
    for (int k = 0; k < precisions.length; k++) {
      accuracy.put(key(precisions[k]), acc[k]);
    }
    Bundle bundle = ModelBundles.toBundle(trainer.driverGraph(), theta, manifestBase(spec, d.norm(), accuracy));
    BundleStore.publish(bundle, bundleUri, hadoop, false);
    int examples = d.train().map(Shard::count).reduce(Integer::sum);
    d.release();
    return new Outcome(bundle, accuracy, trainer.history(), (System.nanoTime() - t0) / 1e9,
        examples, ScaleDrift.of(trainer.driverGraph(), trainer.startParameters(), theta));
  }

  /**
   * How the SuperNet stage draws bit-widths (docs/design/method.md §6).
   *
   * @param sampling HASB (sensitivity-aware) or uniform roulette
   * @param sigmaMax largest re-draw probability σ_max
   */
  public record SupernetSettings(HasbSampler.Sampling sampling, double sigmaMax) {}

  /** The key of the SuperNet section of a bundle manifest's {@code extra}. */
  public static final String SUPERNET_SECTION = "supernet";

  /**
   * HASB mixed-precision SuperNet training (docs/design/method.md §6) from the multi-precision bundle at
   * {@code initUri}: every step runs one pass per nominal bit-width with per-layer draws from
   * {@link HasbSampler}. Publishes the INT-h SuperNet bundle at {@code bundleUri}; its manifest
   * carries the per-bit (uniform) accuracies, the Hessian traces ({@code extra.sensitivity}) and the
   * draw counts per layer and bit-width ({@code extra.supernet.draws}).
   *
   * @param options training settings; {@code epochs} is the SuperNet's E
   * @param traces per-layer Hessian traces of this model (sensitive/insensitive classes)
   */
  public static Outcome supernet(SparkSession spark, Setup setup, TrainOptions options, SupernetSettings settings,
      SensitivityAnalysis.Result traces, String initUri, String bundleUri, Checkpointing checkpointing,
      PrintStream progress, Listener listener) {
    long t0 = System.nanoTime();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Bundle init = BundleStore.read(initUri, hadoop);
    Manifest im = init.manifest();
    if (im.fp32() || im.mixedPrecision()) {
      throw new InvalidInputException("bundle " + initUri + " is " + (im.fp32() ? "an FP32" : "a mixed-precision")
          + " model; supernet starts from a multi-precision INT-h bundle written by 'train'");
    }
    int[] precisions = ModelBundles.precisionsOf(init);
    Setup own = new Setup(im.architecture(), im.modelConfig(), setup.seed(), setup.dataUri(), setup.partitions(),
        setup.maxTrain(), setup.maxTest(), setup.evalBatch());
    Data d = open(spark, own, true);
    ModelSpec spec = new ModelSpec("custom", im.modelConfig(), d.dataset().inputShape().toArray(),
        d.dataset().numClasses(), setup.seed(), precisions);
    requireCompatible(init, new ModelSpec(im.architecture(), im.modelConfig(), spec.inputShape(), spec.classes(),
        spec.seed(), precisions), initUri);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options);
    List<String> layers = trainer.driverGraph().quantizedLayers().stream()
        .map(io.bitswitch.model.QuantizationPlan.LayerInfo::name).toList();
    SensitivityAnalysis.requireMatches(traces, im.architecture(), layers, "the sensitivity result");
    boolean[] sensitive = new boolean[layers.size()];
    for (int l = 0; l < sensitive.length; l++) {
      sensitive[l] = "sensitive".equals(traces.layers().get(l).sensitivity());
    }
    HasbSampler sampler = new HasbSampler(precisions, sensitive, settings.sampling(), settings.sigmaMax(),
        options.epochs(), options.seed());
    long[][] draws = new long[layers.size()][precisions.length];
    MultiPrecisionTrainer.PassPlan plan = new MultiPrecisionTrainer.PassPlan() {
      @Override
      public int[] nominal() {
        return precisions.clone();
      }

      @Override
      public int[][] configurations(int step, int epoch) {
        int[][] configs = new int[precisions.length][];
        for (int k = 0; k < precisions.length; k++) {
          configs[k] = sampler.draw(step, k, epoch);
        }
        return configs;
      }
    };
    java.util.function.Consumer<int[]> count = config -> {
      for (int l = 0; l < config.length; l++) {
        for (int k = 0; k < precisions.length; k++) {
          if (precisions[k] == config[l]) {
            draws[l][k]++;
          }
        }
      }
    };
    trainer.passPlan(plan).onPasses((step, configs) -> {
      for (int[] config : configs) {
        count.accept(config);
        listener.hasbDraw(config);
      }
    });
    Adam adam = new Adam(trainer.layout(), options.scales());
    String modelKey = "supernet:" + im.architecture() + Arrays.toString(precisions);
    CheckpointStore.Checkpoint resumed = resume(checkpointing, modelKey, trainer.layout().size(), adam, hadoop);
    int startStep = resumed == null ? 0 : resumed.step();
    float[] theta = resumed != null ? resumed.arrays().get("theta") : ModelBundles.toTheta(init, trainer.driverGraph());
    int total = trainer.totalSteps(d.train());
    // A resumed run counts the draws of the steps already done: they depend only on (seed, step, pass).
    for (int step = 0; step < startStep; step++) {
      for (int[] config : plan.configurations(step, step / (total / options.epochs()))) {
        count.accept(config);
      }
    }
    trainer.onStep(new ProgressPrinter("supernet", total, options.epochs(), options.logEvery(), progress)
        .andThen(listener::step));
    trainer.train(d.train(), theta, false, startStep, adam,
        checkpointer(checkpointing, total, modelKey, theta, adam, hadoop, listener));
    double[] acc = Evaluator.accuracy(sc, d.test(), spec, theta, precisions, setup.evalBatch());
    Map<String, Double> accuracy = new LinkedHashMap<>();
    for (int k = 0; k < precisions.length; k++) {
      accuracy.put(key(precisions[k]), acc[k]);
    }
    Map<String, Object> drawCounts = new LinkedHashMap<>();
    for (int l = 0; l < layers.size(); l++) {
      Map<String, Object> perBits = new LinkedHashMap<>();
      for (int k = 0; k < precisions.length; k++) {
        perBits.put(key(precisions[k]), draws[l][k]);
      }
      drawCounts.put(layers.get(l), perBits);
    }
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("sampling", settings.sampling().configName());
    section.put("sigma_max", settings.sigmaMax());
    section.put("epochs", options.epochs());
    section.put("draws", drawCounts);
    Manifest.Builder base = im.toBuilder().accuracy(accuracy).tensorsSha256(null)
        .extra(SensitivityAnalysis.MANIFEST_SECTION, SensitivityAnalysis.toJson(traces))
        .extra(SUPERNET_SECTION, section);
    Bundle bundle = ModelBundles.toBundle(trainer.driverGraph(), theta, base);
    BundleStore.publish(bundle, bundleUri, hadoop, false);
    int examples = d.train().map(Shard::count).reduce(Integer::sum);
    d.release();
    return new Outcome(bundle, accuracy, trainer.history(), (System.nanoTime() - t0) / 1e9, examples);
  }

  /**
   * The newest committed checkpoint when resuming (the optimiser state restored into {@code adam}),
   * else null.
   */
  private static CheckpointStore.Checkpoint resume(Checkpointing checkpointing, String modelKey, int size, Adam adam,
      Configuration hadoop) {
    if (!checkpointing.resume()) {
      return null;
    }
    CheckpointStore.Checkpoint cp = CheckpointStore.latest(checkpointing.stateUri(), hadoop).orElseThrow(() ->
        new InvalidInputException("--resume: no committed checkpoint under " + checkpointing.stateUri()));
    Map<String, String> meta = cp.metadata();
    if (!modelKey.equals(meta.get("model")) || cp.arrays().get("theta").length != size) {
      throw new CorruptDataException("checkpoint under " + checkpointing.stateUri() + " was written for "
          + meta.get("model") + ", not for " + modelKey);
    }
    String counts = meta.get(ADAM_STEPS);
    if (counts == null) {
      throw new CorruptDataException("checkpoint under " + checkpointing.stateUri() + " has no per-segment optimiser "
          + "step counts (written by an older bitswitch); start the run again without --resume");
    }
    long[] steps;
    try {
      steps = counts.isEmpty() ? new long[0] : Arrays.stream(counts.split(",")).mapToLong(Long::parseLong).toArray();
      adam.restore(new Adam.State(cp.arrays().get("adam.m"), cp.arrays().get("adam.v"), steps));
    } catch (RuntimeException e) {
      throw new CorruptDataException("checkpoint under " + checkpointing.stateUri() + " has unusable optimiser state: "
          + e.getMessage());
    }
    return cp;
  }

  /** Checkpoint metadata key of the optimiser's per-segment step counts (comma-separated, layout order). */
  private static final String ADAM_STEPS = "adamSegmentSteps";

  /** Saves θ and Adam's moments every {@code checkpointing.every()} steps and after the last one. */
  private static java.util.function.IntConsumer checkpointer(Checkpointing checkpointing, int total, String modelKey,
      float[] theta, Adam adam, Configuration hadoop, Listener listener) {
    return step -> {
      boolean due = checkpointing.every() > 0 && step % checkpointing.every() == 0;
      if (checkpointing.stateUri() != null && (due || step == total)) {
        Adam.State state = adam.snapshot();
        Map<String, float[]> arrays = new LinkedHashMap<>();
        arrays.put("theta", theta);
        arrays.put("adam.m", state.m());
        arrays.put("adam.v", state.v());
        String steps = Arrays.stream(state.steps()).mapToObj(Long::toString)
            .collect(java.util.stream.Collectors.joining(","));
        long written = System.nanoTime();
        long bytes = CheckpointStore.save(checkpointing.stateUri(), step, arrays, Map.of(
            "model", modelKey, ADAM_STEPS, steps), hadoop);
        listener.checkpointWritten(step, (System.nanoTime() - written) / 1e9, bytes);
      }
    };
  }

  private static void requireCompatible(Bundle init, ModelSpec spec, String uri) {
    Manifest m = init.manifest();
    if (!m.architecture().equals(spec.architecture())) {
      throw new InvalidInputException("--init bundle " + uri + " is a '" + m.architecture()
          + "' model but the configured architecture is '" + spec.architecture() + "'");
    }
    if (!Arrays.equals(m.inputShape(), spec.inputShape()) || m.numClasses() != spec.classes()) {
      throw new InvalidInputException("--init bundle " + uri + " expects input " + Arrays.toString(m.inputShape())
          + " and " + m.numClasses() + " classes, but the dataset has " + Arrays.toString(spec.inputShape())
          + " and " + spec.classes());
    }
  }

  /**
   * Test accuracy of the bundle at each requested bit-width: the stored INT-h codes are switched
   * to b with integer ops and the dequantised weights, activation scales b and BN set b loaded
   * (for an FP32 bundle, {@code bits} must be {@code [32]}).
   */
  public static Map<String, Double> evaluate(SparkSession spark, String bundleUri, int[] bits, Setup setup) {
    Bundle bundle = BundleStore.read(bundleUri, spark.sparkContext().hadoopConfiguration());
    Manifest m = bundle.manifest();
    Data d = open(spark, new Setup(m.architecture(), m.modelConfig(), setup.seed(), setup.dataUri(),
        setup.partitions(), 0, setup.maxTest(), setup.evalBatch()), false);
    d.dataset().requireShape(m.inputShape()[0], m.inputShape()[1], m.inputShape()[2]);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, Double> accuracy = new LinkedHashMap<>();
    for (int b : bits) {
      Bundle switched;
      if (m.fp32()) {
        if (b != ParamLayout.FLOAT) {
          throw new InvalidInputException("bundle " + bundleUri + " is FP32; evaluate it with --bits 32");
        }
        switched = bundle;
      } else {
        switched = bundle.switchTo(b);
      }
      int[] precisions = ModelBundles.precisionsOf(switched);
      ModelSpec spec = new ModelSpec("custom", m.modelConfig(), m.inputShape(), m.numClasses(), 0L, precisions);
      float[] theta = ModelBundles.toTheta(switched, spec.graph());
      double[] acc = Evaluator.accuracy(sc, d.test(), spec, theta, new int[] {b}, setup.evalBatch());
      accuracy.put(key(b), acc[0]);
    }
    d.release();
    return accuracy;
  }

  /**
   * Test accuracy of per-layer bit-width configurations of the INT-h bundle at {@code bundleUri}:
   * each quantized layer's weights switched to its own width, its activations quantized at that
   * width, each BatchNorm layer with the set of its owner's width (the stored statistics; no
   * re-estimation).
   *
   * @param configurations per configuration, layer name to bit-width for every quantized layer
   * @throws InvalidInputException for unknown or missing layers, widths not in the bundle, or a
   *     bundle that is FP32 or already mixed-precision
   */
  public static double[] evaluateLayerBits(SparkSession spark, String bundleUri,
      List<Map<String, Integer>> configurations, Setup setup) {
    Bundle bundle = BundleStore.read(bundleUri, spark.sparkContext().hadoopConfiguration());
    Manifest m = bundle.manifest();
    for (Map<String, Integer> c : configurations) {
      bundle.switchTo(c); // checks names and widths with the switch's messages
    }
    int[] precisions = ModelBundles.precisionsOf(bundle);
    ModelSpec spec = new ModelSpec("custom", m.modelConfig(), m.inputShape(), m.numClasses(), 0L, precisions);
    QuantizedGraph graph = spec.graph();
    int[][] configs = new int[configurations.size()][];
    for (int k = 0; k < configs.length; k++) {
      configs[k] = new int[graph.quantizedLayers().size()];
      for (int l = 0; l < configs[k].length; l++) {
        configs[k][l] = configurations.get(k).get(graph.quantizedLayers().get(l).name());
      }
    }
    Data d = open(spark, new Setup(m.architecture(), m.modelConfig(), setup.seed(), setup.dataUri(),
        setup.partitions(), 0, setup.maxTest(), setup.evalBatch()), false);
    d.dataset().requireShape(m.inputShape()[0], m.inputShape()[1], m.inputShape()[2]);
    try {
      return Evaluator.accuracy(JavaSparkContext.fromSparkContext(spark.sparkContext()), d.test(), spec,
          ModelBundles.toTheta(bundle, graph), configs, setup.evalBatch());
    } finally {
      d.release();
    }
  }

  /** Writes {@code history.csv}: one row per step, one loss and scale-rate column per precision. */
  public static void writeHistory(List<StepRecord> history, String uri, Configuration conf) {
    StringBuilder sb = new StringBuilder("step,epoch,learning_rate,images_per_second,seconds");
    if (!history.isEmpty()) {
      for (int p : history.get(0).precisions()) {
        sb.append(",loss_").append(p);
      }
      for (int p : history.get(0).precisions()) {
        sb.append(",scale_lr_").append(p);
      }
    }
    sb.append('\n');
    for (StepRecord r : history) {
      sb.append(String.format(Locale.ROOT, "%d,%d,%.8g,%.2f,%.4f", r.step(), r.epoch(), r.learningRate(),
          r.imagesPerSecond(), r.seconds()));
      for (double l : r.loss()) {
        sb.append(String.format(Locale.ROOT, ",%.6f", l));
      }
      for (double l : r.scaleLearningRate()) {
        sb.append(Double.isNaN(l) ? "," : String.format(Locale.ROOT, ",%.8g", l));
      }
      sb.append('\n');
    }
    writeText(uri, sb.toString(), conf);
  }

  /** Writes {@code value} as pretty JSON. */
  public static void writeJson(String uri, Object value, Configuration conf) {
    try {
      writeText(uri, JSON.writeValueAsString(value) + "\n", conf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a small text file through Hadoop's file system. */
  public static void writeText(String uri, String text, Configuration conf) {
    try {
      Path p = new Path(uri);
      FileSystem fs = p.getFileSystem(conf);
      try (FSDataOutputStream out = fs.create(p, true)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + uri, e);
    }
  }
}
