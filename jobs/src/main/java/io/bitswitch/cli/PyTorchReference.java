package io.bitswitch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.train.InterleavedBenchmark.Measurement;
import io.bitswitch.train.InterleavedBenchmark.Row;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The PyTorch side of {@code bitswitch benchmark}: runs the repository's independent PyTorch
 * implementation of the same network and joint loop ({@code experiments/pytorch/joint_qat.py speed})
 * with Debian's {@code python3-torch} on the same cores, and reads its one JSON line.
 */
final class PyTorchReference {
  /** Debian's interpreter, which python3-torch installs into (not whatever python3 is first on PATH). */
  static final String PYTHON = "/usr/bin/python3";
  static final String SCRIPT = "experiments/pytorch/joint_qat.py";

  /**
   * Medians over the script's repeats.
   *
   * @param fp32ImagesPerSecond FP32 forward+backward
   * @param jointImagePassesPerSecond the sequential joint step, one pass = one image at one bit-width
   * @param evalImagesPerSecond inference (eval mode, no gradients) at every bit-width, img/s per bit-width
   */
  record Result(String torchVersion, double fp32ImagesPerSecond, double jointImagePassesPerSecond,
      double evalImagesPerSecond) {}

  private PyTorchReference() {}

  /** The script: under {@code bitswitch.home} (set by bin/bitswitch) or the working directory. */
  static Path script() {
    String home = System.getProperty("bitswitch.home");
    return home == null ? Path.of(SCRIPT) : Path.of(home, SCRIPT);
  }

  /** Why the PyTorch side cannot run here, or null when it can. */
  static String unavailable(Path script) {
    if (!Files.isRegularFile(script)) {
      return script + " is missing (run from the repository, or through bin/bitswitch)";
    }
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0 ? null
          : "python3-torch is not installed (apt-get install python3-torch)";
    } catch (IOException e) {
      return PYTHON + " cannot be run: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Runs the speed measurement; its progress goes to this process's stderr. */
  static Result measure(Path script, int threads, int batch, String bits, int steps, int warmup, int repeats,
      long evalImages, int evalBatch) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PYTHON, script.toString(), "speed", "--threads",
        Integer.toString(threads), "--batch", Integer.toString(batch), "--bits", bits, "--steps",
        Integer.toString(steps), "--warmup", Integer.toString(warmup), "--repeats", Integer.toString(repeats),
        "--eval-images", Long.toString(evalImages), "--eval-batch", Integer.toString(evalBatch)));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    // One intra-op pool of `threads` threads, as torch.set_num_threads asks; no nested OpenMP pools.
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("the PyTorch benchmark (" + String.join(" ", command) + ") exited with " + p.exitValue());
    }
    String json = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
        .orElseThrow(() -> new IOException("the PyTorch benchmark printed no result: " + out));
    JsonNode r = new ObjectMapper().readTree(json);
    return new Result(r.path("torch").asText(), r.path("fp32_images_per_second").asDouble(),
        r.path("joint_image_passes_per_second").asDouble(), r.path("eval_images_per_second").asDouble());
  }

  /** Row key: the script's FP32 forward+backward, img/s. */
  static final String FP32 = "pytorch-fp32";
  /** Row key: the script's sequential joint step, image-passes/s. */
  static final String JOINT = "pytorch-joint";
  /** Row key: the script's inference at every bit-width, img/s per bit-width. */
  static final String EVAL = "pytorch-eval";

  /**
   * The script as one measurement of {@code bitswitch benchmark}'s interleaved rounds: each round is
   * one process with one timed repeat (its own {@code warmup} steps first), reporting FP32
   * forward+backward (img/s), the joint step (image-passes/s) and inference on the same test images
   * and batch as the evaluation row (img/s per bit-width).
   */
  static final class Interleaved implements Measurement {
    private final Path script;
    private final int threads;
    private final int batch;
    private final String bits;
    private final int steps;
    private final int warmup;
    private final long evalImages;
    private final int evalBatch;
    private String torchVersion = "?";

    Interleaved(Path script, int threads, int batch, int[] bits, int steps, int warmup, long evalImages,
        int evalBatch) {
      this.script = script;
      this.threads = threads;
      this.batch = batch;
      this.bits = bitsArgument(bits);
      this.steps = steps;
      this.warmup = warmup;
      this.evalImages = evalImages;
      this.evalBatch = evalBatch;
    }

    @Override
    public List<Row> rows() {
      int passes = bits.split(",").length;
      return List.of(new Row(FP32, "PyTorch FP32 fwd+bwd", "img/s"),
          new Row(JOINT, "PyTorch joint, sequential (" + passes + " bits)", "image-passes/s"),
          new Row(EVAL, "PyTorch evaluate (each of bits " + bits + ")", "img/s"));
    }

    @Override
    public double[] round(int round) throws IOException, InterruptedException {
      Result r = measure(script, threads, batch, bits, steps, warmup, 1, evalImages, evalBatch);
      torchVersion = r.torchVersion();
      return new double[] {r.fp32ImagesPerSecond(), r.jointImagePassesPerSecond(), r.evalImagesPerSecond()};
    }

    /** The torch version the last round ran with. */
    String torchVersion() {
      return torchVersion;
    }
  }

  /** {@code [8, 6, 4, 2]} as the script's {@code --bits} argument. */
  static String bitsArgument(int[] bits) {
    return java.util.Arrays.stream(bits).mapToObj(Integer::toString).collect(Collectors.joining(","));
  }
}
