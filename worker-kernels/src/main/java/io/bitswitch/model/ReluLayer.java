package io.bitswitch.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's activation layer for a plain ReLU, with the backward pass in Java: DL4J copies the input
 * and runs libnd4j's ReLU derivative (ReLU forward and backward were 4.3 % of the executors' busy
 * time in the first profile, docs/PERFORMANCE.md, optimisation 4). The gradient passes where the input is
 * above 0, as DL4J's. The forward pass is DL4J's. Put in the graph in place of DL4J's layer by
 * {@link LayerHelpers}.
 */
final class ReluLayer extends ActivationLayer {
  /** Per-layer buffers of the input, the output gradient and the input gradient. */
  private float[] xs;
  private float[] dys;
  private float[] dxs;

  ReluLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Whether {@code fn} is ReLU with DL4J's defaults: no cap, threshold 0, slope 0 below it. */
  static boolean isPlainRelu(IActivation fn) {
    return fn instanceof ActivationReLU r && r.getMax() == null
        && (r.getThreshold() == null || r.getThreshold() == 0.0)
        && (r.getNegativeSlope() == null || r.getNegativeSlope() == 0.0);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    if (input.dataType() != DataType.FLOAT || epsilon.dataType() != DataType.FLOAT
        || !java.util.Arrays.equals(input.shape(), epsilon.shape())) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    xs = NdArrays.toFloats(input, 'c', xs);
    dys = NdArrays.toFloats(epsilon, 'c', dys);
    dxs = dxs != null && dxs.length == xs.length ? dxs : new float[xs.length];
    backward(xs, dys, dxs);
    INDArray dx = NdArrays.put(
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c'), dxs);
    return new Pair<>(new DefaultGradient(), dx);
  }

  /** dx = dy where x &gt; 0, else +0; on the Vector API when the JVM has it ({@link LayerVectorKernels}). */
  static void backward(float[] x, float[] dy, float[] dx) {
    if (LayerHelpers.VECTOR_LOOPS) {
      LayerVectorKernels.reluBackward(x, dy, dx);
    } else {
      backwardScalar(x, dy, dx, 0);
    }
  }

  /** {@link #backward} from element {@code from} on, one element at a time (an integer mask: the JIT would branch on a float select). */
  static void backwardScalar(float[] x, float[] dy, float[] dx, int from) {
    for (int i = from; i < x.length; i++) {
      dx[i] = Float.intBitsToFloat(Float.floatToRawIntBits(dy[i]) & (x[i] > 0f ? -1 : 0));
    }
  }
}
