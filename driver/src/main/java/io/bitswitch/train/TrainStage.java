package io.bitswitch.train;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.evaluate.Evaluator;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.progress.ProgressPrinter;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.store.BundleStore;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

/** The {@code train} stage: joint multi-precision QAT (docs/design/method.md §4). */
public final class TrainStage {
  private TrainStage() {}

  /**
   * Trains over {@code bits} from the FP32 bundle at {@code initUri} (or from scratch when null, or
   * warm from a published bundle of the same bits), checkpointing the state (θ, Adam state, step)
   * as {@code checkpointing} says and optionally resuming from the newest committed checkpoint,
   * which then takes the place of {@code initUri}. Publishes the INT-h bundle at {@code bundleUri}.
   *
   * @throws InvalidInputException when the initial bundle does not fit the model or the bits
   */
  public static StageOutcome run(StageContext ctx, TrainOptions options, BitWidthSet bits, String initUri,
      String bundleUri, Checkpointing checkpointing) {
    long t0 = System.nanoTime();
    Configuration hadoop = ctx.hadoop();
    Bundle init = initUri == null ? null : BundleStore.read(initUri, hadoop);
    StageData d = ctx.openData(true);
    int[] precisions = bits.descending();
    ModelSpec spec = ctx.spec(d.dataset(), precisions);
    if (init != null) {
      StageContext.requireCompatible(init, spec, initUri);
    }
    JavaSparkContext sc = ctx.sparkContext();
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options);
    Adam adam = new Adam(trainer.layout(), options.scales());
    Checkpoints checkpoints = new Checkpoints(checkpointing, spec.architecture() + Arrays.toString(precisions),
        hadoop, ctx.listener());
    Checkpoints.Resumed resumed = checkpoints.resume(adam, trainer.layout().size());
    int startStep = resumed == null ? 0 : resumed.step();
    float[] theta;
    boolean warmStart = false;
    if (resumed != null) {
      theta = resumed.theta();
    } else if (init == null) {
      theta = ctx.setup().initialParameters(trainer.driverGraph());
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
    if (resumed != null) {
      trainer.continueHistory(resumed.history());
    }
    int total = trainer.totalSteps(d.train());
    trainer.onStep(new ProgressPrinter("train", total, options.epochs(), options.logEvery(), ctx.progress())
        .resumedAt(startStep).andThen(ctx.listener()::step));
    trainer.train(d.train(), theta, startStep == 0 && !warmStart, startStep, adam,
        checkpoints.saver(total, theta, adam, trainer.history()));
    double[] acc = Evaluator.accuracy(sc, d.test(), spec, theta, precisions, ctx.setup().evalBatch());
    Map<String, Double> accuracy = new LinkedHashMap<>();
    for (int k = 0; k < precisions.length; k++) {
      accuracy.put(StageContext.key(precisions[k]), acc[k]);
    }
    Bundle bundle = ModelBundles.toBundle(trainer.driverGraph(), theta,
        StageContext.manifestBase(spec, d.norm(), accuracy));
    BundleStore.publish(bundle, bundleUri, hadoop, false);
    int examples = d.trainExamples();
    d.release();
    return new StageOutcome(bundle, accuracy, trainer.history(), (System.nanoTime() - t0) / 1e9,
        examples, ScaleDrift.of(trainer.driverGraph(), trainer.startParameters(), theta));
  }

  /**
   * The end of {@link #run} without the training, for a run whose bundle was published but whose
   * run files were not written (the job was killed in between; docs/design/architecture.md §5,
   * "Finishing a run"): reads the bundle at {@code bundleUri}, takes θ from it as a warm start
   * does, and measures the test accuracy at every bit-width with the evaluation {@link #run}
   * ends with. The outcome has no history, scale drift or training time: only training knows them.
   *
   * @throws InvalidInputException when the bundle is not one this run's model and bits produce
   */
  public static StageOutcome evaluatePublished(StageContext ctx, BitWidthSet bits, String bundleUri) {
    long t0 = System.nanoTime();
    Bundle bundle = BundleStore.read(bundleUri, ctx.hadoop());
    StageData d = ctx.openData(true);
    int[] precisions = bits.descending();
    ModelSpec spec = ctx.spec(d.dataset(), precisions);
    StageContext.requireCompatible(bundle, spec, bundleUri);
    if (!Arrays.equals(ModelBundles.precisionsOf(bundle), precisions) || bundle.manifest().mixedPrecision()) {
      throw new InvalidInputException("bundle " + bundleUri + " has bits " + bundle.manifest().bits()
          + " but this run trains " + bits + "; it was published by other settings");
    }
    QuantizedGraph graph = spec.build();
    float[] theta = ModelBundles.toTheta(bundle, graph);
    double[] acc = Evaluator.accuracy(ctx.sparkContext(), d.test(), spec, theta, precisions, ctx.setup().evalBatch());
    Map<String, Double> accuracy = new LinkedHashMap<>();
    for (int k = 0; k < precisions.length; k++) {
      accuracy.put(StageContext.key(precisions[k]), acc[k]);
    }
    int examples = d.trainExamples();
    d.release();
    return new StageOutcome(bundle, accuracy, List.of(), (System.nanoTime() - t0) / 1e9, examples, Map.of());
  }
}
