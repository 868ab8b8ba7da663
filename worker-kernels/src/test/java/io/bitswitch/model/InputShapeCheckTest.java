package io.bitswitch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;

/** A user network written for other images is refused naming the data's shape and the layer. */
class InputShapeCheckTest {

  /** conv3×3 → dense → output, written (nIn filled in) for {@code channels×side×side} images. */
  private static String network(int channels, int side) {
    return new NeuralNetConfiguration.Builder().seed(1).list()
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder().nOut(10).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutional(side, side, channels)).build().toJson();
  }

  @Test
  void aNetworkForItsOwnShapeIsAccepted() {
    assertEquals(3, Architectures.fromJson(network(3, 32), 3, 32, 32).getVertices().size());
  }

  @Test
  void otherChannelsNameTheLayerAndTheDataShape() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Architectures.fromJson(network(1, 28), 3, 28, 28));
    assertTrue(e.getMessage().contains("[3,28,28]") && e.getMessage().contains("'layer0'")
        && e.getMessage().contains("nIn=1 but these images give it 3"), e.getMessage());
  }

  @Test
  void anotherImageSizeIsCaughtAtTheFirstDenseLayer() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Architectures.fromJson(network(3, 28), 3, 32, 32));
    assertTrue(e.getMessage().contains("[3,32,32]") && e.getMessage().contains("'layer1'"), e.getMessage());
  }

  @Test
  void aGraphConfigurationIsCheckedToo() {
    String graph = Architectures.fromJson(network(1, 28), 1, 28, 28).toJson();
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Architectures.fromJson(graph, 3, 28, 28));
    assertTrue(e.getMessage().contains("nIn=1 but these images give it 3"), e.getMessage());
  }
}
