package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.bitswitch.bundle.Bundle;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.testing.RequiredPackages;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same seed, data and partition count give byte-identical bundles on local[1] and local[2]. */
class ReproducibilityTest {
  @TempDir Path dir;

  private byte[][] trainOn(String master, String name) {
    RequiredPackages.require("dataset-fashion-mnist");
    SparkSession spark = SparkSessions.create(master, "bitswitch-repro", Map.of());
    try {
      StageSetup setup = new StageSetup("fmnist-cnn", "", 5, TrainingPipelineTest.DATA, 2, 512, 200, 100);
      TrainOptions options = new TrainOptions(1, 64, 1e-3, 5e-5, true,
        io.bitswitch.train.ScaleParameterisation.LOG, io.bitswitch.train.Distillation.NONE, 0.1, 5, 1000);
      Bundle b = TrainStage.run(new StageContext(spark, setup, TrainingPipelineTest.QUIET), options,
          BitWidthSet.of(8, 4), null, dir.resolve(name).toUri().toString(), Checkpointing.NONE).bundle();
      Map<String, byte[]> files = b.encode();
      return new byte[][] {files.get(Bundle.TENSORS_FILE), files.get(Bundle.MANIFEST_FILE)};
    } finally {
      spark.stop();
    }
  }

  @Test
  void oneAndTwoExecutorThreadsGiveTheSameBundleBytes() {
    byte[][] one = trainOn("local[1]", "one");
    byte[][] two = trainOn("local[2]", "two");
    assertArrayEquals(one[0], two[0], "model.safetensors differs");
    assertArrayEquals(one[1], two[1], "manifest.json differs");
  }
}
