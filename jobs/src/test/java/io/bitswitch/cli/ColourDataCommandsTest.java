package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.data.FashionMnistFiles;
import io.bitswitch.data.LabeledImages;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;

/**
 * Colour data through the command line: a CIFAR-10 binary directory made here from Fashion-MNIST
 * images (coloured per class, centred on 32×32) is ingested, then {@code resnet20} and a user DL4J
 * network train a few steps on its 3-channel images and are evaluated; a network written for
 * 1-channel images and a corrupt CIFAR file are refused with one line each.
 */
class ColourDataCommandsTest {
  private static final int[][] COLOURS = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}, {255, 0, 255},
      {0, 255, 255}, {255, 128, 0}, {128, 0, 255}, {128, 128, 128}, {255, 255, 255}};
  /** A few steps: 64 training images in batches of 32, one epoch, bits {8, 4}. */
  private static final String[] TINY = {"--master", "local[2]", "--set", "data.max-train-examples=64", "--set",
      "data.max-test-examples=64", "--set", "train.batch-size=32", "--set", "train.epochs=1", "--set",
      "train.bits=[8,4]", "--set", "evaluate.batch-size=64"};

  @TempDir static Path dir;
  private static Path dataset;

  @BeforeAll
  static void ingestACifarDirectory() throws IOException {
    RequiredPackages.require("dataset-fashion-mnist");
    LabeledImages images = FashionMnistFiles.locate(FashionMnistFiles.DEFAULT_DIR, new Configuration()).loadTest();
    Path cifar = Files.createDirectories(dir.resolve("cifar"));
    Files.write(cifar.resolve("data_batch_1.bin"), records(images, 0, 128));
    Files.write(cifar.resolve("test_batch.bin"), records(images, 128, 192));
    dataset = dir.resolve("cifar-parquet");
    Run ingest = ok(List.of("ingest", "--master", "local[2]", "--data", cifar.toString(), "--out", dataset.toString()));
    assertTrue(ingest.out().contains("ingested 128 train and 64 test examples"), ingest.out());
  }

  /** CIFAR-10 records of images {@code [from, to)}: label byte, then R, G, B planes of 32×32. */
  private static byte[] records(LabeledImages images, int from, int to) {
    byte[] out = new byte[(to - from) * 3073];
    for (int i = from; i < to; i++) {
      int base = (i - from) * 3073;
      int label = images.labels()[i];
      out[base] = (byte) label;
      byte[] grey = images.image(i);
      for (int c = 0; c < 3; c++) {
        for (int p = 0; p < 784; p++) {
          out[base + 1 + c * 1024 + (p / 28 + 2) * 32 + p % 28 + 2] = (byte) ((grey[p] & 0xFF) * COLOURS[label][c] / 255);
        }
      }
    }
    return out;
  }

  private static Run ok(List<String> args) {
    Run run = BitswitchCliTest.run(args.toArray(String[]::new));
    assertEquals(0, run.code(), () -> "bitswitch " + args + "\nstderr: " + run.err());
    return run;
  }

  private static List<String> tiny(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(TINY));
    return all;
  }

  private static String network(int channels, int side) {
    return new NeuralNetConfiguration.Builder().seed(1).list()
        .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder().nOut(10).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutional(side, side, channels)).build().toJson();
  }

  private void trainAndEvaluate(String runId, String... settings) {
    List<String> train = tiny("train", "--data", dataset.toString(), "--out", dir.toString(), "--run-id", runId);
    for (String s : settings) {
      train.addAll(List.of("--set", s));
    }
    ok(train);
    Run evaluate = ok(List.of("evaluate", "--master", "local[2]", "--data", dataset.toString(), "--bundle",
        dir.resolve(runId).resolve("bundle").toString(), "--set", "data.max-test-examples=64"));
    assertTrue(evaluate.out().startsWith("bits  accuracy") && evaluate.out().contains("   8 "), evaluate.out());
  }

  @Test
  void resnet20TrainsOnThreeChannel32x32ImagesAndIsEvaluated() throws IOException {
    trainAndEvaluate("resnet20", "model.architecture=resnet20", "data.augment=crop-flip");
    String manifest = Files.readString(dir.resolve("resnet20").resolve("bundle").resolve("manifest.json"));
    // Per-channel statistics: the images are coloured differently per class, so the channels differ.
    assertTrue(manifest.contains("\"channel_means\""), manifest);
  }

  @Test
  void aUserNetworkForColourImagesTrainsAndOneForGreyImagesIsRefused() throws IOException {
    Path colour = Files.writeString(dir.resolve("colour-net.json"), network(3, 32));
    trainAndEvaluate("custom", "model.architecture=custom", "model.config=" + colour);

    Path grey = Files.writeString(dir.resolve("grey-net.json"), network(1, 28));
    List<String> args = tiny("train", "--data", dataset.toString(), "--out", dir.toString(), "--run-id", "grey",
        "--set", "model.architecture=custom", "--set", "model.config=" + grey);
    Run refused = BitswitchCliTest.run(args.toArray(String[]::new));
    assertEquals(2, refused.code(), refused.err());
    assertTrue(refused.err().contains("[3,32,32]") && refused.err().contains("'layer0'")
        && refused.err().contains("nIn=1"), refused.err());
  }

  @Test
  void aCorruptCifarFileIsOneClearError() throws IOException {
    Path bad = Files.createDirectories(dir.resolve("bad-cifar"));
    byte[] records = new byte[2 * 3073];
    records[3073] = 42;
    Files.write(bad.resolve("data_batch_1.bin"), records);
    Files.write(bad.resolve("test_batch.bin"), new byte[3073]);
    Run refused = BitswitchCliTest.run("ingest", "--master", "local[2]", "--data", bad.toString(), "--out",
        dir.resolve("bad-out").toString());
    assertTrue(refused.code() != 0, refused.out());
    assertTrue(refused.err().contains("data_batch_1.bin record 1: label 42 is outside 0..9"), refused.err());
  }
}
