package io.bitswitch.model;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;

/**
 * Puts this project's layer helpers ({@link BatchNormHelper}, {@link MaxPoolingHelper}) on a DL4J
 * graph's layers in place of DL4J's oneDNN helpers. DL4J picks a layer's helper by class name when
 * the layer is built and offers no setter, so the helper field is set by reflection; a layer that
 * got no oneDNN helper (oneDNN off, or a data type it does not take) keeps DL4J's built-in code.
 * A helper that throws would make DL4J fall back to its built-in code silently, so the tests check
 * that the layers' failure counts stay zero.
 */
final class LayerHelpers {
  private static final Field BATCH_NORM_HELPER = field(BatchNormalization.class);
  private static final Field SUBSAMPLING_HELPER = field(SubsamplingLayer.class);

  private LayerHelpers() {}

  /** Installs the helpers on {@code graph}'s layers; returns how many layers got one. */
  static int install(ComputationGraph graph) {
    int installed = 0;
    try {
      for (Layer layer : graph.getLayers()) {
        if (layer instanceof BatchNormalization bn && bn.getHelper() instanceof MKLDNNBatchNormHelper) {
          BATCH_NORM_HELPER.set(bn, new BatchNormHelper(bn.getParam("gamma").dataType()));
          installed++;
        } else if (layer instanceof SubsamplingLayer pool && pool.getHelper() instanceof MKLDNNSubsamplingHelper) {
          SUBSAMPLING_HELPER.set(pool, new MaxPoolingHelper(pool.getDataType()));
          installed++;
        }
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot set a DL4J layer helper", e);
    }
    return installed;
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
