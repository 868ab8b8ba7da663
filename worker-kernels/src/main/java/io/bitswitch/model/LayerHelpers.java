package io.bitswitch.model;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;

/**
 * Puts this project's layer code on a DL4J graph: {@link BatchNormHelper} on BatchNorm layers and,
 * for max pooling, {@link MaxPoolingLayer} with {@link MaxPoolingHelper} in place of DL4J's
 * subsampling layer, and {@link ReluLayer} in place of a plain ReLU activation layer
 * (docs/PERFORMANCE.md, optimisation 4). DL4J picks a layer's helper by class name
 * when the layer is built and offers no setter, so the helper field is set by reflection; a layer
 * that got no oneDNN helper (oneDNN off, or a data type it does not take) keeps DL4J's built-in
 * code.
 *
 * <p>When a helper throws, DL4J by default falls back to its built-in code for that layer from then
 * on, logging a warning and nothing else: the run goes on with other arithmetic, so its results
 * stop being reproducible (a resumed run would no longer equal an uninterrupted one). {@link
 * #install} turns that fallback off on every layer that has one, so a failing helper fails the pass
 * with its cause instead.
 */
public final class LayerHelpers {
  /**
   * Whether the element-wise loops of this layer code run on the Vector API
   * ({@link LayerVectorKernels}: the same floats as the scalar loops): the JVM has the module and
   * 256-bit float vectors. Checked here because loading {@link LayerVectorKernels} without the
   * module fails.
   */
  static final boolean VECTOR_LOOPS = io.bitswitch.quant.DoubleRounding.VECTOR_KERNELS && LayerVectorKernels.wideVectors();
  private static final Field BATCH_NORM_HELPER = field(BatchNormalization.class);
  private static final Field SUBSAMPLING_HELPER = field(SubsamplingLayer.class);

  private LayerHelpers() {}

  /**
   * Installs this project's layer code on {@code graph}'s layers (after {@code graph.init()});
   * returns how many layers got it.
   */
  public static int install(ComputationGraph graph) {
    int installed = 0;
    try {
      for (GraphVertex vertex : graph.getVertices()) {
        Layer layer = vertex.hasLayer() ? vertex.getLayer() : null;
        if (layer != null) {
          forbidFallback(layer.conf().getLayer());
        }
        if (layer instanceof BatchNormalization bn && bn.getHelper() instanceof MKLDNNBatchNormHelper) {
          BATCH_NORM_HELPER.set(bn, new BatchNormHelper(bn.getParam("gamma").dataType()));
          installed++;
        } else if (layer != null && layer.getClass() == SubsamplingLayer.class
            && ((SubsamplingLayer) layer).getHelper() instanceof MKLDNNSubsamplingHelper) {
          SubsamplingLayer pool = (SubsamplingLayer) layer;
          MaxPoolingLayer replacement = new MaxPoolingLayer(pool.conf(), pool.getDataType());
          SUBSAMPLING_HELPER.set(replacement, new MaxPoolingHelper(pool.getDataType()));
          replace(graph, (LayerVertex) vertex, pool, replacement);
          installed++;
        } else if (layer != null && layer.getClass() == ActivationLayer.class
            && ReluLayer.isPlainRelu(((org.deeplearning4j.nn.conf.layers.ActivationLayer) layer.conf().getLayer())
                .getActivationFn())) {
          ReluLayer replacement = new ReluLayer(layer.conf(), ((ActivationLayer) layer).getDataType());
          replace(graph, (LayerVertex) vertex, layer, replacement);
          installed++;
        }
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot set a DL4J layer helper", e);
    }
    return installed;
  }

  /** Makes a failing oneDNN helper an error rather than a silent switch to DL4J's built-in code. */
  private static void forbidFallback(org.deeplearning4j.nn.conf.layers.Layer conf) {
    if (conf instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c) {
      c.setCudnnAllowFallback(false);
    } else if (conf instanceof org.deeplearning4j.nn.conf.layers.SubsamplingLayer s) {
      s.setCudnnAllowFallback(false);
    } else if (conf instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization b) {
      b.setCudnnAllowFallback(false);
    }
  }

  /** Puts {@code replacement} where {@code layer} was: in its vertex and in the graph's layer array. */
  private static void replace(ComputationGraph graph, LayerVertex vertex, Layer layer, Layer replacement) {
    replacement.setIndex(layer.getIndex());
    replacement.setListeners(layer.getListeners());
    vertex.setLayer(replacement);
    Layer[] layers = graph.getLayers(); // the graph's own array
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] == layer) {
        layers[i] = replacement;
      }
    }
  }

  private static Field field(Class<?> layerClass) {
    try {
      Field f = layerClass.getDeclaredField("helper");
      f.setAccessible(true);
      return f;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(layerClass.getName() + " has no helper field: another DL4J version?", e);
    }
  }
}
