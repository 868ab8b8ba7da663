package io.bitswitch.train;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Normalization;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.evaluate.TrainedNormalization;
import io.bitswitch.model.Architectures;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.progress.StageListener;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * What every stage ({@link PretrainStage}, {@link TrainStage}, {@link SupernetStage},
 * {@link EvaluateStage}) runs with: the Spark session, the model and data setup, where progress
 * lines go and who hears of steps and checkpoints (the job's metrics).
 */
public final class StageContext {
  private final SparkSession spark;
  private final StageSetup setup;
  private final PrintStream progress;
  private final StageListener listener;

  /**
   * A context for a stage.
   *
   * @param progress where progress lines go
   * @param listener told of every step and checkpoint ({@link StageListener#NONE}: nobody)
   */
  public StageContext(SparkSession spark, StageSetup setup, PrintStream progress, StageListener listener) {
    this.spark = spark;
    this.setup = setup;
    this.progress = progress;
    this.listener = listener;
  }

  /** A context that tells nobody of its steps. */
  public StageContext(SparkSession spark, StageSetup setup, PrintStream progress) {
    this(spark, setup, progress, StageListener.NONE);
  }

  /** A silent context: no progress lines, no listener (evaluation prints nothing). */
  public StageContext(SparkSession spark, StageSetup setup) {
    this(spark, setup, new PrintStream(OutputStream.nullOutputStream()), StageListener.NONE);
  }

  /** The Spark session. */
  public SparkSession spark() {
    return spark;
  }

  /** The model and data of the stage. */
  public StageSetup setup() {
    return setup;
  }

  /** Where progress lines go. */
  public PrintStream progress() {
    return progress;
  }

  /** Who hears of steps and checkpoints. */
  public StageListener listener() {
    return listener;
  }

  JavaSparkContext sparkContext() {
    return JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  Configuration hadoop() {
    return spark.sparkContext().hadoopConfiguration();
  }

  /** The dataset of the setup, with its test shards and, when {@code needTrain}, its training shards. */
  StageData openData(boolean needTrain) {
    Dataset ds = Datasets.open(spark, setup.dataUri());
    return openData(ds, needTrain, ds.normalization());
  }

  /**
   * The setup's test shards to run the stored model of {@code m} on, normalised with the statistics
   * it was trained with ({@link TrainedNormalization}), after checking the data's shape is the model's.
   */
  StageData openTestData(Manifest m) {
    Dataset ds = Datasets.open(spark, setup.dataUri());
    ds.requireShape(m.inputShape()[0], m.inputShape()[1], m.inputShape()[2]);
    return openData(ds, false, TrainedNormalization.of(m, ds));
  }

  private StageData openData(Dataset ds, boolean needTrain, Normalization norm) {
    long maxTrain = setup.maxTrain() <= 0 ? Long.MAX_VALUE : setup.maxTrain();
    long maxTest = setup.maxTest() <= 0 ? Long.MAX_VALUE : setup.maxTest();
    JavaRDD<Shard> train = needTrain ? ds.shards(Split.TRAIN, setup.partitions(), norm, maxTrain) : null;
    if (train != null) {
      ClassMix.check(train, ds.numClasses()).ifPresent(w -> progress.println("warning: " + w));
    }
    JavaRDD<Shard> test = ds.shards(Split.TEST, setup.partitions(), norm, maxTest);
    return new StageData(ds, train, test, norm);
  }

  /** The setup's model over {@code ds}'s input shape and classes, at {@code precisions}. */
  ModelSpec spec(Dataset ds, int[] precisions) {
    int[] shape = ds.inputShape().toArray();
    return new ModelSpec(setup.architecture(), setup.architecture().equals("custom") ? setup.userConfigJson() : "",
        shape, ds.numClasses(), setup.seed(), precisions);
  }

  /** The manifest fields a freshly trained model's bundle starts from. */
  static Manifest.Builder manifestBase(ModelSpec spec, Normalization norm, Map<String, Double> acc) {
    String config = Architectures.build(spec.architecture(), spec.userConfigJson(), spec.inputShape()[0],
        spec.inputShape()[1], spec.inputShape()[2], spec.classes(), spec.seed()).toJson();
    return Manifest.builder().architecture(spec.architecture()).modelConfig(config)
        .inputShape(spec.inputShape()).numClasses(spec.classes()).normalization(manifestNormalization(norm))
        .accuracy(acc).quantizeFirstLast(false);
  }

  /** {@code norm} as the manifest holds it: one value as before, or channel 0's and one per channel. */
  static Manifest.Normalization manifestNormalization(Normalization norm) {
    if (norm.isSingle()) {
      return new Manifest.Normalization(norm.mean(0), norm.std(0));
    }
    List<Float> means = new ArrayList<>();
    List<Float> stds = new ArrayList<>();
    for (int c = 0; c < norm.means().length; c++) {
      means.add(norm.mean(c));
      stds.add(norm.std(c));
    }
    return new Manifest.Normalization(norm.mean(0), norm.std(0), means, stds);
  }

  /** The accuracy map's key of a precision: its bit-width in decimal ({@code "32"} for FP32). */
  static String key(int precision) {
    return Integer.toString(precision);
  }

  /**
   * Checks that the bundle a stage starts from fits the model it trains.
   *
   * @throws InvalidInputException naming the architecture or shape that differs
   */
  static void requireCompatible(Bundle init, ModelSpec spec, String uri) {
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
}
