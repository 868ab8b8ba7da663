package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.cli.BitswitchCliTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;

/**
 * Colour data through the command line, on Fashion-MNIST images coloured per class
 * ({@link ColouredFashionMnist}): a PNG image folder (28×28×3) goes through ingest → pretrain →
 * train → evaluate with {@code resnet20} and with a user DL4J network; a CIFAR-10 binary directory
 * (32×32×3) is ingested and trained on; a bundle is evaluated with the statistics it was trained
 * with on data whose statistics differ; a network written for 1-channel images and a corrupt CIFAR
 * file are refused with one line each.
 */
class ColourDataCommandsTest {
  /** A few steps: 64 training images in batches of 32, one epoch of each stage, bits {8, 4}. */
  private static final String[] TINY = {"--master", "local[2]", "--set", "data.max-train-examples=64", "--set",
      "data.max-test-examples=64", "--set", "pretrain.batch-size=32", "--set", "pretrain.epochs=1", "--set",
      "train.batch-size=32", "--set", "train.epochs=1", "--set", "train.bits=[8,4]", "--set",
      "evaluate.batch-size=64"};

  @TempDir static Path dir;
  private static Path cifarData;
  private static Path folderData;
  /** The folder's test images under training images inverted (255 − v): other training statistics. */
  private static Path invertedData;

  @BeforeAll
  static void ingestAFolderAndACifarDirectory() throws IOException {
    ColouredFashionMnist images = ColouredFashionMnist.load();
    Path cifar = Files.createDirectories(dir.resolve("cifar"));
    Files.write(cifar.resolve("data_batch_1.bin"), images.cifarRecords(0, 128));
    Files.write(cifar.resolve("test_batch.bin"), images.cifarRecords(128, 192));
    cifarData = dir.resolve("cifar-parquet");
    Run ingest = ok(List.of("ingest", "--master", "local[2]", "--data", cifar.toString(), "--out",
        cifarData.toString()));
    assertTrue(ingest.out().contains("ingested 128 train and 64 test examples"), ingest.out());

    images.writeFolder(dir.resolve("folder"), 320, 160, false);
    images.writeFolder(dir.resolve("inverted"), 320, 160, true);
    folderData = dir.resolve("folder-parquet");
    invertedData = dir.resolve("inverted-parquet");
    for (String name : List.of("folder", "inverted")) {
      Run folder = ok(List.of("ingest", "--master", "local[2]", "--data", dir.resolve(name).toString(), "--out",
          dir.resolve(name + "-parquet").toString()));
      assertTrue(folder.out().contains("ingested 320 train and 160 test examples"), folder.out());
    }
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

  private static List<String> withSettings(List<String> args, String... settings) {
    for (String s : settings) {
      args.addAll(List.of("--set", s));
    }
    return args;
  }

  private static JsonNode json(Path file) throws IOException {
    return new ObjectMapper().readTree(Files.readString(file));
  }

  private static String network(int channels, int side) {
    return new NeuralNetConfiguration.Builder().seed(1).list()
        .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder().nOut(10).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutional(side, side, channels)).build().toJson();
  }

  /**
   * The accuracies {@code evaluate} prints and writes for the bundle of run {@code runId} on
   * {@code data} ({@code --bits} when given), after checking it printed one table row per bit-width.
   */
  private static JsonNode evaluate(String runId, Path data, String... bits) throws IOException {
    Path out = dir.resolve(runId + "-on-" + data.getFileName() + ".json");
    List<String> args = new ArrayList<>(List.of("evaluate", "--master", "local[2]", "--data", data.toString(),
        "--bundle", dir.resolve(runId).resolve("bundle").toString(), "--set", "data.max-test-examples=64", "--json",
        out.toString()));
    args.addAll(List.of(bits));
    Run evaluate = ok(args);
    JsonNode accuracy = json(out).get("accuracy");
    assertTrue(evaluate.out().startsWith("bits  accuracy"), evaluate.out());
    accuracy.fieldNames().forEachRemaining(b -> assertTrue(
        evaluate.out().lines().anyMatch(l -> l.matches(" *" + b + " +\\d+\\.\\d\\d%")), evaluate.out()));
    return accuracy;
  }

  /**
   * ingest (done) → pretrain → train → evaluate of the image folder with {@code settings}; checks the
   * published bundle is for 3-channel 28×28 images with the folder's per-channel statistics, and that
   * evaluate measures at each of the bits {8, 4} what training did.
   */
  private static void pretrainTrainEvaluate(String runId, String... settings) throws IOException {
    ok(withSettings(tiny("pretrain", "--data", folderData.toString(), "--out", dir.toString(), "--run-id",
        runId + "-fp32"), settings));
    ok(withSettings(tiny("train", "--data", folderData.toString(), "--init",
        dir.resolve(runId + "-fp32").resolve("bundle").toString(), "--out", dir.toString(), "--run-id", runId),
        settings));
    JsonNode manifest = json(dir.resolve(runId).resolve("bundle").resolve("manifest.json"));
    assertEquals("[3,28,28]", manifest.get("input_shape").toString(), manifest.toString());
    JsonNode norm = manifest.get("normalization");
    assertEquals(3, norm.get("channel_means").size(), norm.toString());
    assertEquals(3, norm.get("channel_stds").size(), norm.toString());
    // Coloured per class: the channels' statistics differ.
    assertTrue(norm.get("channel_means").get(0).asDouble() != norm.get("channel_means").get(2).asDouble(),
        norm.toString());

    JsonNode evaluated = evaluate(runId, folderData);
    assertEquals(List.of("8", "4"), names(evaluated));
    assertEquals(json(dir.resolve(runId).resolve(Runs.REPORT_FILE)).get("accuracy"), evaluated);
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** Four resnet20 commands: 73 s on a loaded 2-core machine, hence slow; the CIFAR test below trains resnet20 by default. */
  @Test
  @Tag("slow")
  void resnet20GoesFromAnImageFolderThroughPretrainTrainAndEvaluate() throws IOException {
    pretrainTrainEvaluate("resnet20", "model.architecture=resnet20", "data.augment=crop-flip");
  }

  @Test
  void aUserNetworkForColourImagesGoesThroughPretrainTrainAndEvaluate() throws IOException {
    Path colour = Files.writeString(dir.resolve("colour-net-28.json"), network(3, 28));
    pretrainTrainEvaluate("custom", "model.architecture=custom", "model.config=" + colour);
  }

  @Test
  void resnet20TrainsOnCifarBinaryImagesAndAGreyNetworkIsRefused() throws IOException {
    ok(tiny("train", "--data", cifarData.toString(), "--out", dir.toString(), "--run-id", "cifar-resnet20",
        "--set", "model.architecture=resnet20", "--set", "data.augment=crop-flip"));
    JsonNode accuracy = evaluate("cifar-resnet20", cifarData);
    assertEquals(List.of("8", "4"), names(accuracy));

    Path grey = Files.writeString(dir.resolve("grey-net.json"), network(1, 28));
    List<String> args = tiny("train", "--data", cifarData.toString(), "--out", dir.toString(), "--run-id", "grey",
        "--set", "model.architecture=custom", "--set", "model.config=" + grey);
    Run refused = BitswitchCliTest.run(args.toArray(String[]::new));
    assertEquals(2, refused.code(), refused.err());
    assertTrue(refused.err().contains("[3,32,32]") && refused.err().contains("'layer0'")
        && refused.err().contains("nIn=1"), refused.err());
  }

  /**
   * A bundle runs on the statistics it was trained with (TrainedNormalization): evaluated on data of
   * the same shape whose training split has other statistics (here the same test images), it
   * measures what it measured on its own data, the accuracy training published.
   */
  @Test
  void aBundleIsEvaluatedWithTheStatisticsItWasTrainedWithOnAnyData() throws IOException {
    Path net = Files.writeString(dir.resolve("colour-net-stats.json"), network(3, 28));
    // Enough steps for the colours to be learnt, so normalising otherwise would show in the accuracy.
    ok(withSettings(tiny("pretrain", "--data", folderData.toString(), "--out", dir.toString(), "--run-id", "stats"),
        "model.architecture=custom", "model.config=" + net, "data.max-train-examples=320", "pretrain.epochs=3"));
    JsonNode trained = json(dir.resolve("stats").resolve(Runs.REPORT_FILE)).get("accuracy");
    // Learnt, well above chance (0.1 for ten classes), so that other statistics would show. A CI run
    // once reached exactly 0.5, probably the GC defect of NdArrays since fixed (docs/design/architecture.md §2).
    assertTrue(trained.get("32").asDouble() > 0.3, trained.toString());

    assertEquals(trained, evaluate("stats", folderData, "--bits", "32"));
    assertEquals(trained, evaluate("stats", invertedData, "--bits", "32"));
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
