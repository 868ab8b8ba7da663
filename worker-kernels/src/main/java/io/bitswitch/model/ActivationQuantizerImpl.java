package io.bitswitch.model;

import io.bitswitch.quant.ActivationQuantizer;
import io.bitswitch.quant.BitWidthSet;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.deeplearning4j.nn.gradient.Gradient;

/**
 * The activation quantizer at run time: {@code x̂ = clamp(rhu(x/a), 0, 2^b−1)·a} forward, the
 * straight-through estimator backward, and the LSQ-scaled gradient of {@code a} kept in
 * {@link #scaleGradient()}. With {@code bits = 32} it passes its input through (FP32 passes).
 * Forward and backward run the plain-Java kernels of {@link ActivationQuantizer}, so deployment
 * and training compute the same floats.
 */
public class ActivationQuantizerImpl extends AbstractLayer<ActivationQuantizerLayer> {
  private static final long serialVersionUID = 1L;

  private int bits = BitWidthSet.FP32_BITS;
  private float scale = 1f;
  private float scaleGradient;
  // Per-layer buffers reused across passes (training shapes repeat): no per-pass allocation of
  // activation-sized arrays. Copied into ND4J before each return, so reuse is safe.
  private transient float[] inputBuffer;
  private transient float[] epsilonBuffer;
  private transient float[] gradientBuffer;

  public ActivationQuantizerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Sets the precision and scale used by the next passes; clears the scale gradient. */
  public void configure(int bits, float scale) {
    this.bits = bits;
    this.scale = scale;
    this.scaleGradient = 0f;
  }

  /** Current bit-width (32 = pass-through). */
  public int bits() {
    return bits;
  }

  /** Current scale a. */
  public float scale() {
    return scale;
  }

  /** ∂L/∂a of the last backward pass, multiplied by LSQ's g. */
  public float scaleGradient() {
    return scaleGradient;
  }

  @Override
  public Type type() {
    return Type.FEED_FORWARD;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    if (bits >= BitWidthSet.FP32_BITS) {
      return workspaceMgr.dup(ArrayType.ACTIVATIONS, input);
    }
    float[] x = inputBuffer = NdArrays.toFloats(input, 'c', inputBuffer);
    ActivationQuantizer.forward(x, x.length, scale, bits, x);
    // Written straight into the workspace DL4J keeps activations in: no leverageTo copy.
    return NdArrays.put(workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, input.shape(), 'c'), x);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    if (bits >= BitWidthSet.FP32_BITS) {
      return new Pair<>(new DefaultGradient(), workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon));
    }
    float[] x = inputBuffer = NdArrays.toFloats(input, 'c', inputBuffer);
    float[] g = epsilonBuffer = NdArrays.toFloats(epsilon, 'c', epsilonBuffer);
    long examples = input.size(0);
    float lsq = ActivationQuantizer.gradScale(x.length / Math.max(1, examples), bits);
    float[] gx = gradientBuffer = gradientBuffer != null && gradientBuffer.length == x.length
        ? gradientBuffer : new float[x.length];
    scaleGradient = ActivationQuantizer.backward(x, x.length, scale, bits, g, gx, lsq);
    INDArray eps = NdArrays.put(workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c'), gx);
    return new Pair<>(new DefaultGradient(), eps);
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public void clearNoiseWeightParams() {}

  @Override
  public INDArray params() {
    return null;
  }

  @Override
  public double calcRegularizationScore(boolean backpropOnlyParams) {
    return 0;
  }
}
