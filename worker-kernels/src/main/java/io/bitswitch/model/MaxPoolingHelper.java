package io.bitswitch.model;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max-pooling's backward pass in Java for non-overlapping windows (kernel = stride, no padding,
 * no dilation, NCHW float), in place of DL4J's oneDNN helper ({@link MKLDNNSubsamplingHelper}),
 * whose {@code maxpool2d_bp} was about a twelfth of the executors' busy time
 * (docs/PERFORMANCE.md, optimisation 4). Each window's gradient goes to its largest input, the
 * first in row-major order among equal ones (any such choice is a subgradient; after a ReLU the
 * ties are zeros, whose gradient the ReLU drops). Other pooling goes to DL4J's helper unchanged;
 * DL4J 1.0.0-M2.1's forward pass never calls a helper: {@link MaxPoolingLayer} does it. Installed by
 * {@link LayerHelpers}.
 */
final class MaxPoolingHelper implements SubsamplingHelper {
  private final MKLDNNSubsamplingHelper oneDnn;
  /** Per-layer buffers of the input, the output gradient and the input gradient. */
  private float[] xs;
  private float[] dys;
  private float[] dxs;

  MaxPoolingHelper(DataType dataType) {
    this.oneDnn = new MKLDNNSubsamplingHelper(dataType);
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
  public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad,
      PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    return oneDnn.activate(input, training, kernel, strides, pad, poolingType, convolutionMode, dilation, format,
        workspaceMgr);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides,
      int[] pad, PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    boolean windowsTile = pad[0] == 0 && pad[1] == 0 && tiles(input, poolingType, kernel, strides, dilation, format)
        && epsilon.size(2) == input.size(2) / kernel[0] && epsilon.size(3) == input.size(3) / kernel[1];
    if (!windowsTile) {
      return oneDnn.backpropGradient(input, epsilon, kernel, strides, pad, poolingType, convolutionMode, dilation,
          format, workspaceMgr);
    }
    xs = NdArrays.toFloats(input, 'c', xs);
    dys = NdArrays.toFloats(epsilon, 'c', dys);
    dxs = dxs != null && dxs.length == xs.length ? dxs : new float[xs.length];
    backward(xs, dys, (int) (input.size(0) * input.size(1)), (int) input.size(2), (int) input.size(3), kernel[0],
        kernel[1], dxs);
    INDArray dx = NdArrays.put(workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape()), dxs);
    return new Pair<>(new DefaultGradient(), dx);
  }

  /**
   * Whether max pooling of {@code input} is the case done here: kernel = stride tiles that divide
   * the float NCHW input exactly, no dilation (the caller checks that there is no padding).
   */
  static boolean tiles(INDArray input, PoolingType poolingType, int[] kernel, int[] strides, int[] dilation,
      CNN2DFormat format) {
    return poolingType == PoolingType.MAX && format == CNN2DFormat.NCHW && input.rank() == 4
        && input.dataType() == DataType.FLOAT && Arrays.equals(kernel, strides) && dilation[0] == 1
        && dilation[1] == 1 && input.size(2) % kernel[0] == 0 && input.size(3) % kernel[1] == 0;
  }

  /** Max pooling of {@code planes} row-major h×w planes in kh×kw tiles into {@code y}. */
  static void forward(float[] x, int planes, int h, int w, int kh, int kw, float[] y) {
    if (kh == 2 && kw == 2) {
      forward2x2(x, planes, h, w, y);
      return;
    }
    int ow = w / kw;
    // Tile row r (over all planes) starts at input row r·kh, since every plane has h / kh tile rows.
    for (int row = 0, t = 0, rows = planes * (h / kh); row < rows; row++) {
      for (int j = 0; j < ow; j++, t++) {
        y[t] = tileMax(x, row * kh * w + j * kw, w, kh, kw);
      }
    }
  }

  /**
   * The input gradient of max pooling over {@code planes} row-major h×w planes in kh×kw tiles:
   * {@code dx} is zero except at each tile's first largest input, which gets the tile's {@code dy}.
   */
  static void backward(float[] x, float[] dy, int planes, int h, int w, int kh, int kw, float[] dx) {
    if (kh == 2 && kw == 2) {
      backward2x2(x, dy, planes, h, w, dx);
      return;
    }
    Arrays.fill(dx, 0f);
    int ow = w / kw;
    for (int row = 0, t = 0, rows = planes * (h / kh); row < rows; row++) {
      for (int j = 0; j < ow; j++, t++) {
        int first = row * kh * w + j * kw;
        dx[firstEqual(x, first, w, kh, kw, tileMax(x, first, w, kh, kw))] = dy[t];
      }
    }
  }

  /** Index of the first input of the tile starting at {@code first} equal to {@code max} (a NaN tile: its first). */
  private static int firstEqual(float[] x, int first, int w, int kh, int kw, float max) {
    for (int a = 0; a < kh; a++) {
      for (int b = 0; b < kw; b++) {
        if (x[first + a * w + b] == max) {
          return first + a * w + b;
        }
      }
    }
    return first;
  }

  /** The largest input of the tile starting at {@code first} (Math.max: no data-dependent branch). */
  private static float tileMax(float[] x, int first, int w, int kh, int kw) {
    float max = x[first];
    for (int a = 0; a < kh; a++) {
      for (int b = 0; b < kw; b++) {
        max = Math.max(max, x[first + a * w + b]);
      }
    }
    return max;
  }

  /**
   * {@link #forward} for 2×2 tiles (the common case), without the general tile loops: the same
   * maximum, since {@code Math.max} over a tile does not depend on the order (NaN wins, +0 over −0).
   * Four tiles at a time on the Vector API when the JVM has it ({@link LayerVectorKernels}).
   */
  private static void forward2x2(float[] x, int planes, int h, int w, float[] y) {
    if (LayerHelpers.VECTOR_LOOPS && w / 2 >= LayerVectorKernels.TILES) {
      LayerVectorKernels.maxPool2x2Forward(x, planes, h, w, y);
      return;
    }
    int ow = w / 2;
    for (int row = 0, rows = planes * (h / 2); row < rows; row++) {
      forward2x2Tiles(x, 2 * row * w, 2 * row * w + w, y, row * ow, 0, ow);
    }
  }

  /** Tiles {@code from} to {@code to} of the tile row whose inputs are rows {@code top} and {@code bottom}. */
  static void forward2x2Tiles(float[] x, int top, int bottom, float[] y, int out, int from, int to) {
    for (int j = from; j < to; j++) {
      int t = top + 2 * j;
      int b = bottom + 2 * j;
      y[out + j] = Math.max(Math.max(x[t], x[t + 1]), Math.max(x[b], x[b + 1]));
    }
  }

  /**
   * {@link #backward} for 2×2 tiles (the common case), writing every element of a tile at once;
   * four tiles at a time on the Vector API when the JVM has it ({@link LayerVectorKernels}).
   */
  private static void backward2x2(float[] x, float[] dy, int planes, int h, int w, float[] dx) {
    if (LayerHelpers.VECTOR_LOOPS && w / 2 >= LayerVectorKernels.TILES) {
      LayerVectorKernels.maxPool2x2Backward(x, dy, planes, h, w, dx);
      return;
    }
    int ow = w / 2;
    for (int row = 0, rows = planes * (h / 2); row < rows; row++) {
      backward2x2Tiles(x, dy, 2 * row * w, 2 * row * w + w, row * ow, 0, ow, dx);
    }
  }

  /** {@link #backward2x2} for tiles {@code from} to {@code to} of one tile row (as {@link #forward2x2Tiles}). */
  static void backward2x2Tiles(float[] x, float[] dy, int top, int bottom, int out, int from, int to, float[] dx) {
    for (int j = from; j < to; j++) {
      int t = top + 2 * j;
      int b = bottom + 2 * j;
      // The first of the four equal to their maximum gets the gradient. Integer masks, not float
      // selects: the JIT compiles those to branches, which random data mispredicts (3x slower).
      float x0 = x[t];
      float x1 = x[t + 1];
      float x2 = x[b];
      float x3 = x[b + 1];
      float max = Math.max(Math.max(x0, x1), Math.max(x2, x3));
      int g = Float.floatToRawIntBits(dy[out + j]);
      int first0 = x0 == max ? -1 : 0;
      int first1 = (x1 == max ? -1 : 0) & ~first0;
      int first2 = (x2 == max ? -1 : 0) & ~(first0 | first1);
      int first3 = ~(first0 | first1 | first2);
      dx[t] = Float.intBitsToFloat(g & first0);
      dx[t + 1] = Float.intBitsToFloat(g & first1);
      dx[b] = Float.intBitsToFloat(g & first2);
      dx[b + 1] = Float.intBitsToFloat(g & first3);
    }
  }
}
