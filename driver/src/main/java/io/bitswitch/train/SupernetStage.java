package io.bitswitch.train;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.evaluate.Evaluator;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizationPlan;
import io.bitswitch.progress.ProgressPrinter;
import io.bitswitch.sensitivity.LayerTraces;
import io.bitswitch.store.BundleStore;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

/** The {@code supernet} stage: HASB mixed-precision SuperNet training (docs/design/method.md §6). */
public final class SupernetStage {
  /** The key of the SuperNet section of a bundle manifest's {@code extra}. */
  public static final String MANIFEST_SECTION = "supernet";

  private SupernetStage() {}

  /**
   * How the SuperNet stage draws bit-widths (docs/design/method.md §6).
   *
   * @param sampling HASB (sensitivity-aware) or uniform roulette
   * @param sigmaMax largest re-draw probability σ_max
   */
  public record Settings(HasbSampler.Sampling sampling, double sigmaMax) {}

  /**
   * Trains the SuperNet from the multi-precision bundle at {@code initUri}: every step runs one
   * pass per nominal bit-width with per-layer draws from {@link HasbSampler}. Publishes the INT-h
   * SuperNet bundle at {@code bundleUri}; its manifest carries the per-bit (uniform) accuracies, the
   * Hessian traces ({@code extra.sensitivity}) and the draw counts per layer and bit-width
   * ({@code extra.supernet.draws}).
   *
   * @param options training settings; {@code epochs} is the SuperNet's E
   * @param traces per-layer Hessian traces of this model (sensitive/insensitive classes)
   * @throws InvalidInputException when the bundle is not a multi-precision INT-h bundle or the
   *     traces are of another model
   */
  public static StageOutcome run(StageContext ctx, TrainOptions options, Settings settings,
      LayerTraces traces, String initUri, String bundleUri, Checkpointing checkpointing) {
    long t0 = System.nanoTime();
    Configuration hadoop = ctx.hadoop();
    Bundle init = BundleStore.read(initUri, hadoop);
    Manifest im = init.manifest();
    if (im.fp32() || im.mixedPrecision()) {
      throw new InvalidInputException("bundle " + initUri + " is " + (im.fp32() ? "an FP32" : "a mixed-precision")
          + " model; supernet starts from a multi-precision INT-h bundle written by 'train'");
    }
    int[] precisions = ModelBundles.precisionsOf(init);
    StageData d = ctx.openData(true);
    long seed = ctx.setup().seed();
    ModelSpec spec = new ModelSpec("custom", im.modelConfig(), d.dataset().inputShape().toArray(),
        d.dataset().numClasses(), seed, precisions);
    StageContext.requireCompatible(init, new ModelSpec(im.architecture(), im.modelConfig(), spec.inputShape(),
        spec.classes(), spec.seed(), precisions), initUri);
    JavaSparkContext sc = ctx.sparkContext();
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options);
    List<String> layers = trainer.driverGraph().quantizedLayers().stream()
        .map(QuantizationPlan.LayerInfo::name).toList();
    traces.requireMatches(im.architecture(), layers, "the sensitivity result");
    boolean[] sensitive = new boolean[layers.size()];
    for (int l = 0; l < sensitive.length; l++) {
      sensitive[l] = traces.layers().get(l).sensitive();
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
    Consumer<int[]> count = config -> {
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
        ctx.listener().hasbDraw(config);
      }
    });
    Adam adam = new Adam(trainer.layout(), options.scales());
    Checkpoints checkpoints = new Checkpoints(checkpointing,
        "supernet:" + im.architecture() + Arrays.toString(precisions), hadoop, ctx.listener());
    Checkpoints.Resumed resumed = checkpoints.resume(adam, trainer.layout().size());
    int startStep = resumed == null ? 0 : resumed.step();
    float[] theta = resumed != null ? resumed.theta() : ModelBundles.toTheta(init, trainer.driverGraph());
    int total = trainer.totalSteps(d.train());
    // A resumed run counts the draws of the steps already done: they depend only on (seed, step, pass).
    for (int step = 0; step < startStep; step++) {
      for (int[] config : plan.configurations(step, step / (total / options.epochs()))) {
        count.accept(config);
      }
    }
    if (resumed != null) {
      trainer.continueHistory(resumed.history());
    }
    trainer.onStep(new ProgressPrinter("supernet", total, options.epochs(), options.logEvery(), ctx.progress())
        .resumedAt(startStep).andThen(ctx.listener()::step));
    trainer.train(d.train(), theta, false, startStep, adam, checkpoints.saver(total, theta, adam, trainer.history()));
    double[] acc = Evaluator.accuracy(sc, d.test(), spec, theta, precisions, ctx.setup().evalBatch());
    Map<String, Double> accuracy = new LinkedHashMap<>();
    for (int k = 0; k < precisions.length; k++) {
      accuracy.put(StageContext.key(precisions[k]), acc[k]);
    }
    Map<String, Object> drawCounts = new LinkedHashMap<>();
    for (int l = 0; l < layers.size(); l++) {
      Map<String, Object> perBits = new LinkedHashMap<>();
      for (int k = 0; k < precisions.length; k++) {
        perBits.put(StageContext.key(precisions[k]), draws[l][k]);
      }
      drawCounts.put(layers.get(l), perBits);
    }
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("sampling", settings.sampling().configName());
    section.put("sigma_max", settings.sigmaMax());
    section.put("epochs", options.epochs());
    section.put("draws", drawCounts);
    Manifest.Builder base = im.toBuilder().accuracy(accuracy).tensorsSha256(null)
        .extra(LayerTraces.MANIFEST_SECTION, traces.toJson())
        .extra(MANIFEST_SECTION, section);
    Bundle bundle = ModelBundles.toBundle(trainer.driverGraph(), theta, base);
    BundleStore.publish(bundle, bundleUri, hadoop, false);
    int examples = d.trainExamples();
    d.release();
    return new StageOutcome(bundle, accuracy, trainer.history(), (System.nanoTime() - t0) / 1e9, examples);
  }
}
