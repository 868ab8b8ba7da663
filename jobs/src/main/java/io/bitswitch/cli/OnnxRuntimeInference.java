package io.bitswitch.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.bitswitch.BitswitchException;
import io.bitswitch.onnx.OnnxWriter;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Runs an exported model in ONNX Runtime for Java over a block of images, in batches: what the
 * benchmark measures and the export tests check. ONNX Runtime is a provided dependency (on
 * {@code bin/bitswitch}'s classpath and the tests', not in the shaded Spark jar), so only code paths
 * that ask for it load it.
 */
final class OnnxRuntimeInference {
  private OnnxRuntimeInference() {}

  /**
   * Outputs of one pass over the images.
   *
   * @param logits row-major [n, classes]
   * @param probabilities row-major [n, classes]
   * @param classes classes per image
   * @param sessionSeconds creating the session (parsing and optimising the graph)
   * @param runSeconds the batches, after one unmeasured warm-up batch
   */
  record Outputs(float[] logits, float[] probabilities, int classes, double sessionSeconds, double runSeconds) {
    /** The predicted class of image i. */
    int predicted(int i) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (probabilities[i * classes + c] > probabilities[i * classes + best]) {
          best = c;
        }
      }
      return best;
    }

    /** The fraction of images whose predicted class is their label. */
    double accuracy(int[] labels) {
      long correct = 0;
      for (int i = 0; i < labels.length; i++) {
        correct += predicted(i) == labels[i] ? 1 : 0;
      }
      return labels.length == 0 ? 0 : correct / (double) labels.length;
    }
  }

  /**
   * Runs {@code model} over {@code n} images.
   *
   * @param pixels row-major [n, C, H, W] pixel values in [0, 255] (the model's {@value OnnxWriter#INPUT} input)
   * @param shape C, H, W
   * @param threads ONNX Runtime's intra-op threads (one inter-op thread)
   * @param batch images per run
   */
  static Outputs run(byte[] model, float[] pixels, int n, int[] shape, int threads, int batch) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int size = shape[0] * shape[1] * shape[2];
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      long t0 = System.nanoTime();
      try (OrtSession session = env.createSession(model, options)) {
        double sessionSeconds = (System.nanoTime() - t0) / 1e9;
        runBatch(env, session, pixels, 0, Math.min(batch, n), shape, size, null);
        float[] logits = null;
        float[] probabilities = null;
        int classes = 0;
        long t1 = System.nanoTime();
        for (int start = 0; start < n; start += batch) {
          int m = Math.min(batch, n - start);
          float[][][] out = new float[2][][];
          runBatch(env, session, pixels, start, m, shape, size, out);
          if (logits == null) {
            classes = out[0][0].length;
            logits = new float[n * classes];
            probabilities = new float[n * classes];
          }
          for (int i = 0; i < m; i++) {
            System.arraycopy(out[0][i], 0, logits, (start + i) * classes, classes);
            System.arraycopy(out[1][i], 0, probabilities, (start + i) * classes, classes);
          }
        }
        return new Outputs(logits, probabilities, classes, sessionSeconds, (System.nanoTime() - t1) / 1e9);
      }
    } catch (OrtException e) {
      throw new BitswitchException("ONNX Runtime failed to run the exported model: " + e.getMessage(), e);
    }
  }

  private static void runBatch(OrtEnvironment env, OrtSession session, float[] pixels, int start, int m, int[] shape,
      int size, float[][][] out) throws OrtException {
    FloatBuffer in = FloatBuffer.wrap(pixels, start * size, m * size).slice();
    try (OnnxTensor input = OnnxTensor.createTensor(env, in, new long[] {m, shape[0], shape[1], shape[2]});
        OrtSession.Result result = session.run(Map.of(OnnxWriter.INPUT, input))) {
      if (out != null) {
        out[0] = (float[][]) result.get(OnnxWriter.LOGITS).orElseThrow().getValue();
        // A network without softmax has only logits; its prediction is their argmax all the same.
        var probabilities = result.get(OnnxWriter.PROBABILITIES);
        out[1] = probabilities.isPresent() ? (float[][]) probabilities.get().getValue() : out[0];
      }
    }
  }
}
