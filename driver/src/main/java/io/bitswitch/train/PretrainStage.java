package io.bitswitch.train;

import io.bitswitch.bundle.Bundle;
import io.bitswitch.evaluate.Evaluator;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.progress.ProgressPrinter;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.store.BundleStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/** The {@code pretrain} stage: FP32 training from scratch (docs/design/method.md §4). */
public final class PretrainStage {
  private PretrainStage() {}

  /**
   * Trains the setup's model in FP32 and publishes its bundle ({@code bits=[32]}) at
   * {@code bundleUri} through {@link BundleStore} (atomic publish).
   */
  public static StageOutcome run(StageContext ctx, TrainOptions options, String bundleUri) {
    long t0 = System.nanoTime();
    StageData d = ctx.openData(true);
    int[] precisions = {BitWidthSet.FP32_BITS};
    ModelSpec spec = ctx.spec(d.dataset(), precisions);
    JavaSparkContext sc = ctx.sparkContext();
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options);
    float[] theta = ctx.setup().initialParameters(trainer.driverGraph());
    trainer.onStep(new ProgressPrinter("pretrain", trainer.totalSteps(d.train()), options.epochs(),
        options.logEvery(), ctx.progress()).andThen(ctx.listener()::step));
    trainer.train(d.train(), theta, false, 0, new Adam(trainer.layout(), options.scales()), step -> { });
    double[] acc = Evaluator.accuracy(sc, d.test(), spec, theta, precisions, ctx.setup().evalBatch());
    Map<String, Double> accuracy = new LinkedHashMap<>();
    accuracy.put(StageContext.key(BitWidthSet.FP32_BITS), acc[0]);
    Bundle bundle = ModelBundles.toBundle(trainer.driverGraph(), theta,
        StageContext.manifestBase(spec, d.norm(), accuracy));
    BundleStore.publish(bundle, bundleUri, ctx.hadoop(), false);
    int examples = d.trainExamples();
    d.release();
    return new StageOutcome(bundle, accuracy, trainer.history(), (System.nanoTime() - t0) / 1e9, examples);
  }
}
