package io.bitswitch.model;

import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BatchNorm's training pass in Java, in place of DL4J's oneDNN helper ({@link MKLDNNBatchNormHelper}),
 * which takes the per-channel batch mean and variance of an NCHW batch from ND4J's generic
 * reductions over axes (0, 2, 3) and runs libnd4j's {@code batchnorm_bp}: together about a quarter
 * of the executors' busy time (docs/PERFORMANCE.md, optimisation 4). Here the statistics and the
 * whole backward pass are a few passes over the float arrays; the forward normalisation stays
 * oneDNN's {@code batchnorm} op, given the statistics computed here. Inference, and anything but a
 * float NCHW batch with γ and β, goes to DL4J's helper unchanged. Installed by {@link LayerHelpers}.
 *
 * <p>The statistics: for channel c, over the count = N·H·W values, mean = Σx / count and the
 * population variance = Σ(x − mean)² / count (two passes, as oneDNN defines them). Every sum is
 * taken {@linkplain #laneSum per (example, channel) block} in eight float lanes, with the lanes and
 * the blocks added in double in a fixed order, so the results do not depend on the machine.
 */
final class BatchNormHelper implements BatchNormalizationHelper {
  /** Float lanes per block sum: a fixed width, so the rounding is the same on every machine. */
  static final int LANES = 8;

  private final MKLDNNBatchNormHelper oneDnn;
  private INDArray mean;
  private INDArray var;
  /** Whether the last forward pass ran here (else DL4J's helper ran it and holds its statistics). */
  private boolean ownPass;
  /** Per-layer buffers of the input, its gradient and the output gradient, reused while the shape repeats. */
  private float[] xs;
  private float[] dys;
  private float[] dxs;

  BatchNormHelper(DataType dataType) {
    this.oneDnn = new MKLDNNBatchNormHelper(dataType);
  }

  @Override
  public boolean checkSupported(double eps, boolean fixedGammaBeta) {
    return oneDnn.checkSupported(eps, fixedGammaBeta);
  }

  @Override
  public boolean checkSupported() {
    return oneDnn.checkSupported();
  }

  @Override
  public Map<String, Long> helperMemoryUse() {
    return oneDnn.helperMemoryUse();
  }

  @Override
  public INDArray getMeanCache(DataType dataType) {
    return ownPass ? mean : oneDnn.getMeanCache(dataType);
  }

  @Override
  public INDArray getVarCache(DataType dataType) {
    return ownPass ? var : oneDnn.getVarCache(dataType);
  }

  @Override
  public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
      INDArray globalMean, INDArray globalVar, double decay, double eps, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    ownPass = training && gamma != null && beta != null && x.rank() == 4 && format == CNN2DFormat.NCHW
        && x.dataType() == DataType.FLOAT;
    if (!ownPass) {
      return oneDnn.preOutput(x, training, shape, gamma, beta, globalMean, globalVar, decay, eps, format, workspaceMgr);
    }
    int channels = (int) x.size(1);
    xs = NdArrays.toFloats(x, 'c', xs);
    float[] m = new float[channels];
    float[] v = new float[channels];
    statistics(xs, (int) x.size(0), channels, (int) (x.size(2) * x.size(3)), m, v);
    if (mean == null || mean.length() != channels) {
      try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
        mean = Nd4j.createUninitialized(DataType.FLOAT, channels);
        var = Nd4j.createUninitialized(DataType.FLOAT, channels);
      }
    }
    NdArrays.put(mean, m);
    NdArrays.put(var, v);
    INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
    Nd4j.exec(DynamicCustomOp.builder("batchnorm").addInputs(x, mean, var, vector(gamma), vector(beta))
        .addIntegerArguments(1, 1, 1).addFloatingPointArguments(eps).addOutputs(out).build());
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
      INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (!ownPass) {
      return oneDnn.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format, workspaceMgr);
    }
    int n = (int) input.size(0);
    int channels = (int) input.size(1);
    int spatial = (int) (input.size(2) * input.size(3));
    xs = NdArrays.toFloats(input, 'c', xs);
    dys = NdArrays.toFloats(epsilon, 'c', dys);
    dxs = dxs != null && dxs.length == xs.length ? dxs : new float[xs.length];
    float[] dGamma = new float[channels];
    float[] dBeta = new float[channels];
    backward(xs, dys, n, channels, spatial, NdArrays.toFloats(mean), NdArrays.toFloats(var),
        NdArrays.toFloats(gamma), (float) eps, dxs, dGamma, dBeta);
    INDArray dx = NdArrays.put(workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape()), dxs);
    NdArrays.assign(dGammaView, dGamma, 'c');
    NdArrays.assign(dBetaView, dBeta, 'c');
    Gradient g = new DefaultGradient();
    g.setGradientFor("gamma", dGammaView);
    g.setGradientFor("beta", dBetaView);
    return new Pair<>(g, dx);
  }

  private static INDArray vector(INDArray a) {
    return a.rank() == 1 ? a : a.reshape(a.length());
  }

  /**
   * Per-channel batch mean and population variance of {@code x}, row-major [n, channels, spatial]:
   * mean = Σx / count, then variance = Σ(x − mean)² / count, each sum taken block by block
   * ({@link #laneSum}) and the blocks added in double, example after example.
   */
  static void statistics(float[] x, int n, int channels, int spatial, float[] mean, float[] var) {
    double count = (double) n * spatial;
    for (int c = 0; c < channels; c++) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += laneSum(x, null, (i * channels + c) * spatial, spatial, 0f, SUM);
      }
      float m = (float) (sum / count);
      double squares = 0;
      for (int i = 0; i < n; i++) {
        squares += laneSum(x, null, (i * channels + c) * spatial, spatial, m, SQUARED_DEVIATION);
      }
      mean[c] = m;
      var[c] = (float) (squares / count);
    }
  }

  /**
   * BatchNorm's backward pass with batch statistics: with x̂ = (x − mean)·σ⁻¹, σ⁻¹ = 1/√(var + ε) and
   * count = n·spatial, dβ = Σ dy, dγ = Σ dy·x̂ (per channel) and
   * dx = γ·σ⁻¹·(dy − dβ/count − x̂·dγ/count), the exact gradient through the batch mean and variance.
   */
  static void backward(float[] x, float[] dy, int n, int channels, int spatial, float[] mean, float[] var,
      float[] gamma, float eps, float[] dx, float[] dGamma, float[] dBeta) {
    double count = (double) n * spatial;
    for (int c = 0; c < channels; c++) {
      float m = mean[c];
      float invStd = (float) (1.0 / Math.sqrt((double) var[c] + eps));
      double sumDy = 0;
      double sumDyCentred = 0;
      for (int i = 0; i < n; i++) {
        int from = (i * channels + c) * spatial;
        sumDy += laneSum(dy, null, from, spatial, 0f, SUM);
        sumDyCentred += laneSum(x, dy, from, spatial, m, PRODUCT_WITH_DEVIATION);
      }
      dBeta[c] = (float) sumDy;
      dGamma[c] = (float) (sumDyCentred * invStd);
      float meanDy = (float) (sumDy / count);
      float meanDyXhat = (float) (sumDyCentred * invStd / count);
      float k = gamma[c] * invStd;
      for (int i = 0; i < n; i++) {
        for (int j = (i * channels + c) * spatial, end = j + spatial; j < end; j++) {
          float xhat = (x[j] - m) * invStd;
          dx[j] = k * (dy[j] - meanDy - xhat * meanDyXhat);
        }
      }
    }
  }

  static final int SUM = 0;
  static final int SQUARED_DEVIATION = 1;
  static final int PRODUCT_WITH_DEVIATION = 2;

  /**
   * Over the block [from, from + length): Σ x ({@code SUM}), Σ (x − m)² ({@code SQUARED_DEVIATION})
   * or Σ y·(x − m) ({@code PRODUCT_WITH_DEVIATION}). Lane j (0..7) sums in float the terms at offsets
   * ≡ j mod 8 of the full groups of eight; the lanes in order, then the remaining terms, are added
   * in double. Eight independent float chains keep the loop fast and each float sum short (a block
   * is one example's channel). One loop per kind, so the JIT sees straight-line code. Runs as
   * {@link BatchNormLaneSums} (the same sums on the Vector API) when the JVM has it.
   */
  static double laneSum(float[] x, float[] y, int from, int length, float m, int kind) {
    if (io.bitswitch.quant.DoubleRounding.VECTOR_KERNELS) {
      return BatchNormLaneSums.laneSum(x, y, from, length, m, kind);
    }
    return laneSumScalar(x, y, from, length, m, kind);
  }

  /** {@link #laneSum} in scalar Java: the definition, and the fallback without the Vector API. */
  static double laneSumScalar(float[] x, float[] y, int from, int length, float m, int kind) {
    int full = from + (length / LANES) * LANES;
    int i = from;
    float l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
    switch (kind) {
      case SUM -> {
        for (; i < full; i += LANES) {
          l0 += x[i]; l1 += x[i + 1]; l2 += x[i + 2]; l3 += x[i + 3];
          l4 += x[i + 4]; l5 += x[i + 5]; l6 += x[i + 6]; l7 += x[i + 7];
        }
      }
      case SQUARED_DEVIATION -> {
        for (; i < full; i += LANES) {
          float d0 = x[i] - m, d1 = x[i + 1] - m, d2 = x[i + 2] - m, d3 = x[i + 3] - m;
          float d4 = x[i + 4] - m, d5 = x[i + 5] - m, d6 = x[i + 6] - m, d7 = x[i + 7] - m;
          l0 += d0 * d0; l1 += d1 * d1; l2 += d2 * d2; l3 += d3 * d3;
          l4 += d4 * d4; l5 += d5 * d5; l6 += d6 * d6; l7 += d7 * d7;
        }
      }
      default -> {
        for (; i < full; i += LANES) {
          l0 += y[i] * (x[i] - m); l1 += y[i + 1] * (x[i + 1] - m);
          l2 += y[i + 2] * (x[i + 2] - m); l3 += y[i + 3] * (x[i + 3] - m);
          l4 += y[i + 4] * (x[i + 4] - m); l5 += y[i + 5] * (x[i + 5] - m);
          l6 += y[i + 6] * (x[i + 6] - m); l7 += y[i + 7] * (x[i + 7] - m);
        }
      }
    }
    double s = (double) l0 + l1 + l2 + l3 + l4 + l5 + l6 + l7;
    return tailSum(s, x, y, i, from + length, m, kind);
  }

  /** {@code s} plus the terms at {@code i} to {@code end} (the elements after the full groups of eight), in double. */
  static double tailSum(double s, float[] x, float[] y, int i, int end, float m, int kind) {
    for (; i < end; i++) {
      s += switch (kind) {
        case SUM -> x[i];
        case SQUARED_DEVIATION -> (x[i] - m) * (x[i] - m);
        default -> y[i] * (x[i] - m);
      };
    }
    return s;
  }
}
