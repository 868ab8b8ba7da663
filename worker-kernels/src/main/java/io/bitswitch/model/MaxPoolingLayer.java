package io.bitswitch.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's subsampling layer with max pooling over non-overlapping windows computed in Java: DL4J
 * 1.0.0-M2.1 runs a subsampling layer's forward pass through libnd4j's {@code maxpool2d} op with
 * no helper to replace, and that op took about 7 % of the executors' busy time (docs/PERFORMANCE.md,
 * optimisation 4). Same configuration, same output; any other pooling runs DL4J's code. Put in
 * the graph in place of DL4J's layer by {@link LayerHelpers}, with {@link MaxPoolingHelper} for the
 * backward pass.
 */
final class MaxPoolingLayer extends SubsamplingLayer {
  /** Per-layer buffers of the input and the output. */
  private float[] xs;
  private float[] ys;

  MaxPoolingLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = layerConf();
    int[] pad = c.getPadding();
    if (!(pad[0] == 0 && pad[1] == 0 && MaxPoolingHelper.tiles(input, c.getPoolingType(), c.getKernelSize(),
        c.getStride(), c.getDilation(), c.getCnn2dDataFormat()))) {
      return super.activate(training, workspaceMgr);
    }
    int kh = c.getKernelSize()[0];
    int kw = c.getKernelSize()[1];
    int h = (int) input.size(2);
    int w = (int) input.size(3);
    long[] shape = {input.size(0), input.size(1), h / kh, w / kw};
    xs = NdArrays.toFloats(input, 'c', xs);
    int outLength = (int) (shape[0] * shape[1] * shape[2] * shape[3]);
    ys = ys != null && ys.length == outLength ? ys : new float[outLength];
    MaxPoolingHelper.forward(xs, (int) (shape[0] * shape[1]), h, w, kh, kw, ys);
    return NdArrays.put(workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, shape, 'c'), ys);
  }
}
