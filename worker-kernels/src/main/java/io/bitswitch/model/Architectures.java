package io.bitswitch.model;

import io.bitswitch.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The network architectures bitswitch trains, as plain floating-point DL4J graph configurations;
 * {@link QuantizationPlan} then inserts the activation quantizers and decides which layers are
 * quantized. Every architecture is a {@link ComputationGraphConfiguration} so that one wrapper
 * serves sequential and residual networks alike.
 */
public final class Architectures {
  /** Name of the graph's input. */
  public static final String INPUT = "input";

  private Architectures() {}

  /**
   * Builds the named architecture.
   *
   * @param name {@code fmnist-cnn}, {@code resnet20} or {@code custom}
   * @param userConfigJson the DL4J JSON for {@code custom} (MultiLayer or ComputationGraph)
   */
  public static ComputationGraphConfiguration build(String name, String userConfigJson, int channels,
      int height, int width, int classes, long seed) {
    return switch (name) {
      case "fmnist-cnn" -> fmnistCnn(channels, height, width, classes, seed);
      case "resnet20" -> resnet20(channels, height, width, classes, seed);
      case "custom" -> fromJson(userConfigJson, channels, height, width);
      default -> throw new InvalidInputException("unknown architecture '" + name
          + "'; allowed: fmnist-cnn, resnet20, custom");
    };
  }

  private static GraphBuilder base(long seed) {
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .cacheMode(CacheMode.DEVICE)
        .weightInit(WeightInit.RELU)
        .updater(new NoOp())
        .convolutionMode(ConvolutionMode.Same)
        .graphBuilder()
        .addInputs(INPUT);
  }

  private static ConvolutionLayer conv(int nOut, int kernel, int stride) {
    return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(nOut)
        .hasBias(false).activation(Activation.IDENTITY).build();
  }

  private static BatchNormalization bn() {
    return new BatchNormalization.Builder().useLogStd(false).build();
  }

  private static ActivationLayer relu() {
    return new ActivationLayer.Builder().activation(Activation.RELU).build();
  }

  /**
   * {@code fmnist-cnn}, exactly: conv3×3(1→16, no bias) → BN → ReLU → conv3×3(16→32) → BN → ReLU →
   * maxpool 2 → conv3×3(32→64) → BN → ReLU → conv3×3(64→64) → BN → ReLU → maxpool 2 →
   * dense(3136→128) ReLU → dense(128→10) softmax. The first convolution and the output layer stay
   * in floating point unless first/last quantization is asked for.
   */
  public static ComputationGraphConfiguration fmnistCnn(int channels, int height, int width, int classes,
      long seed) {
    GraphBuilder g = base(seed);
    String prev = INPUT;
    int[] widths = {16, 32, 64, 64};
    for (int i = 0; i < widths.length; i++) {
      String n = Integer.toString(i + 1);
      g.addLayer("conv" + n, conv(widths[i], 3, 1), prev);
      g.addLayer("bn" + n, bn(), "conv" + n);
      g.addLayer("relu" + n, relu(), "bn" + n);
      prev = "relu" + n;
      if (i == 1 || i == 3) {
        String pool = "pool" + (i == 1 ? 1 : 2);
        g.addLayer(pool, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), prev);
        prev = pool;
      }
    }
    g.addLayer("fc1", new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build(), prev);
    g.addLayer("output", new OutputLayer.Builder(LossFunction.MCXENT).nOut(classes)
        .activation(Activation.SOFTMAX).build(), "fc1");
    g.setOutputs("output");
    g.setInputTypes(InputType.convolutional(height, width, channels));
    return g.build();
  }

  /**
   * CIFAR-style ResNet-20: a 3×3 stem (16 channels) and 3 stages × 3 basic blocks with 16/32/64
   * channels; stage transitions downsample by stride 2 with a 1×1 projection shortcut (+BN);
   * global average pooling and a dense softmax output.
   */
  public static ComputationGraphConfiguration resnet20(int channels, int height, int width, int classes,
      long seed) {
    GraphBuilder g = base(seed);
    g.addLayer("stem", conv(16, 3, 1), INPUT);
    g.addLayer("stem_bn", bn(), "stem");
    g.addLayer("stem_relu", relu(), "stem_bn");
    String prev = "stem_relu";
    int inChannels = 16;
    int[] stageWidths = {16, 32, 64};
    for (int s = 0; s < 3; s++) {
      for (int b = 0; b < 3; b++) {
        int out = stageWidths[s];
        int stride = (s > 0 && b == 0) ? 2 : 1;
        String p = "s" + (s + 1) + "b" + (b + 1) + "_";
        g.addLayer(p + "conv1", conv(out, 3, stride), prev);
        g.addLayer(p + "bn1", bn(), p + "conv1");
        g.addLayer(p + "relu1", relu(), p + "bn1");
        g.addLayer(p + "conv2", conv(out, 3, 1), p + "relu1");
        g.addLayer(p + "bn2", bn(), p + "conv2");
        String shortcut = prev;
        if (stride != 1 || inChannels != out) {
          g.addLayer(p + "proj", conv(out, 1, stride), prev);
          g.addLayer(p + "proj_bn", bn(), p + "proj");
          shortcut = p + "proj_bn";
        }
        g.addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), p + "bn2", shortcut);
        g.addLayer(p + "relu", relu(), p + "add");
        prev = p + "relu";
        inChannels = out;
      }
    }
    g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
    g.addLayer("output", new OutputLayer.Builder(LossFunction.MCXENT).nOut(classes)
        .activation(Activation.SOFTMAX).build(), "pool");
    g.setOutputs("output");
    g.setInputTypes(InputType.convolutional(height, width, channels));
    return g.build();
  }

  /**
   * A user's DL4J configuration JSON, MultiLayerConfiguration or ComputationGraphConfiguration.
   * A MultiLayerConfiguration becomes a chain graph with layers named {@code layer0, layer1, …}.
   */
  public static ComputationGraphConfiguration fromJson(String json, int channels, int height, int width) {
    if (json == null || json.isBlank()) {
      throw new InvalidInputException("architecture 'custom' needs model.config: a DL4J configuration JSON file");
    }
    boolean isGraph = json.contains("\"vertices\"");
    try {
      if (isGraph) {
        ComputationGraphConfiguration graph = ComputationGraphConfiguration.fromJson(json);
        InputShapeCheck.require(InputShapeCheck.declaredInputs(graph),
            InputShapeCheck.adaptedTo(graph, channels, height, width), channels, height, width);
        return graph;
      }
      MultiLayerConfiguration mlc = MultiLayerConfiguration.fromJson(json);
      // The user's nIns, noted before the data's input type overwrites them (InputShapeCheck).
      Map<String, Long> declared = new LinkedHashMap<>();
      GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
          .cacheMode(CacheMode.DEVICE).graphBuilder().addInputs(INPUT);
      String prev = INPUT;
      for (int i = 0; i < mlc.getConfs().size(); i++) {
        String name = "layer" + i;
        if (mlc.getConf(i).getLayer() instanceof FeedForwardLayer f && f.getNIn() > 0) {
          declared.put(name, f.getNIn());
        }
        g.addLayer(name, mlc.getConf(i).getLayer(), mlc.getInputPreProcess(i), prev);
        prev = name;
      }
      g.setOutputs(prev);
      g.setInputTypes(InputType.convolutional(height, width, channels));
      ComputationGraphConfiguration graph = g.build();
      InputShapeCheck.require(declared, graph, channels, height, width);
      return graph;
    } catch (RuntimeException e) {
      if (e instanceof InvalidInputException) {
        throw e;
      }
      throw new InvalidInputException("model.config is not a valid DL4J " + (isGraph ? "ComputationGraph" : "MultiLayer")
          + " configuration: " + e.getMessage());
    }
  }
}
