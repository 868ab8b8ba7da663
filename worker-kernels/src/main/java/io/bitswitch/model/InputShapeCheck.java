package io.bitswitch.model;

import io.bitswitch.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;

/**
 * Checks that a user's DL4J network (architecture {@code custom}) was written for the data's
 * images [C,H,W]. DL4J, given the data's input type, silently overwrites every layer's
 * {@code nIn}, so a network written for 1-channel 28×28 images would train on 3-channel 32×32 ones
 * as a different network; instead its explicit {@code nIn}s are compared with what the data gives
 * each layer and the first difference is one clear error naming the layer and both sizes
 * (docs/design/architecture.md, datasets and models).
 */
final class InputShapeCheck {
  private InputShapeCheck() {}

  /** The explicit {@code nIn} of every layer vertex of {@code conf} that has one, by vertex name. */
  static Map<String, Long> declaredInputs(ComputationGraphConfiguration conf) {
    Map<String, Long> nIns = new LinkedHashMap<>();
    for (Map.Entry<String, GraphVertex> v : conf.getVertices().entrySet()) {
      if (v.getValue() instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof FeedForwardLayer l
          && l.getNIn() > 0) {
        nIns.put(v.getKey(), l.getNIn());
      }
    }
    return nIns;
  }

  /** A copy of {@code conf} with every {@code nIn} set from the data's input type, as DL4J would. */
  static ComputationGraphConfiguration adaptedTo(ComputationGraphConfiguration conf, int channels, int height,
      int width) {
    ComputationGraphConfiguration copy = conf.clone();
    copy.addPreProcessors(InputType.convolutional(height, width, channels));
    return copy;
  }

  /**
   * @param declared the user's explicit {@code nIn}s ({@link #declaredInputs}) before adapting
   * @param adapted the network with {@code nIn}s set from the data's images
   * @throws InvalidInputException when a declared {@code nIn} differs from the adapted one
   */
  static void require(Map<String, Long> declared, ComputationGraphConfiguration adapted, int channels,
      int height, int width) {
    Map<String, Long> actual = declaredInputs(adapted);
    for (Map.Entry<String, Long> d : declared.entrySet()) {
      Long given = actual.get(d.getKey());
      if (given != null && !given.equals(d.getValue())) {
        LayerVertex lv = (LayerVertex) adapted.getVertices().get(d.getKey());
        throw new InvalidInputException("model.config was written for other images than the data's ["
            + channels + "," + height + "," + width + "]: layer '" + d.getKey() + "' ("
            + lv.getLayerConf().getLayer().getClass().getSimpleName() + ") has nIn=" + d.getValue()
            + " but these images give it " + given + "; change the network's input or ingest the images"
            + " with --channels/--resize");
      }
    }
  }
}
