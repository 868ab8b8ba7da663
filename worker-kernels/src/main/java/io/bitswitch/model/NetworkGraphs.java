package io.bitswitch.model;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.onnx.NetworkGraph;
import io.bitswitch.onnx.NetworkGraph.Activation;
import io.bitswitch.onnx.NetworkGraph.Function;
import io.bitswitch.onnx.NetworkGraph.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;

/**
 * The inference graph of a bundle's network for the ONNX writer: the DL4J configuration in the
 * manifest, with the activation quantizers {@link QuantizationPlan} inserts, walked in topological
 * order and translated into DL4J-free {@link NetworkGraph} operations. Supported: convolutions
 * (NCHW, Same/Truncate/Strict padding), dense and output layers, BatchNorm, ReLU/ReLU6/sigmoid/tanh
 * (as layers or as a layer's activation), max and average subsampling, global pooling, dropout
 * (the identity at inference), element-wise Add vertices (residual connections) and the CNN-to-dense
 * flattening; anything else is refused by name.
 */
public final class NetworkGraphs {
  private NetworkGraphs() {}

  /**
   * The graph of the network a bundle was trained as.
   *
   * @throws InvalidInputException when the manifest carries no DL4J configuration or the network
   *     uses a layer, vertex or setting the export does not support
   */
  public static NetworkGraph of(Manifest manifest) {
    if (manifest.modelConfig() == null || manifest.modelConfig().isBlank()) {
      throw new InvalidInputException("the bundle's manifest carries no DL4J model configuration; cannot rebuild its "
          + "graph for export");
    }
    int[] in = manifest.inputShape();
    ComputationGraphConfiguration fp = Architectures.fromJson(manifest.modelConfig(), in[0], in[1], in[2]);
    return of(QuantizationPlan.of(fp), in);
  }

  /**
   * The graph of a quantization plan's configuration.
   *
   * @param inputShape channels, height, width
   */
  public static NetworkGraph of(QuantizationPlan plan, int[] inputShape) {
    return new Walk(plan, inputShape).run();
  }

  private static final class Walk {
    private final QuantizationPlan plan;
    private final ComputationGraphConfiguration conf;
    private final int[] inputShape;
    private final Map<String, InputType> types;
    private final Map<String, String> valueOf = new HashMap<>();
    private final List<Op> ops = new ArrayList<>();

    Walk(QuantizationPlan plan, int[] inputShape) {
      this.plan = plan;
      this.conf = plan.configuration();
      this.inputShape = inputShape.clone();
      this.types = conf.getLayerActivationTypes(InputType.convolutional(inputShape[1], inputShape[2], inputShape[0]));
    }

    NetworkGraph run() {
      List<String> networkInputs = conf.getNetworkInputs();
      if (networkInputs.size() != 1 || conf.getNetworkOutputs().size() != 1) {
        throw new InvalidInputException("export supports networks with one input and one output; this one has inputs "
            + networkInputs + " and outputs " + conf.getNetworkOutputs());
      }
      valueOf.put(networkInputs.get(0), NetworkGraph.INPUT);
      String output = conf.getNetworkOutputs().get(0);
      boolean softmax = false;
      for (String name : QuantizationPlan.topologicalOrder(conf)) {
        GraphVertex v = conf.getVertices().get(name);
        if (v == null) {
          continue; // a network input
        }
        List<String> inputs = conf.getVertexInputs().get(name).stream().map(this::value).toList();
        if (v instanceof ElementWiseVertex e) {
          if (e.getOp() != ElementWiseVertex.Op.Add) {
            throw unsupported(name, "element-wise " + e.getOp() + " vertex");
          }
          define(name, new NetworkGraph.Add(name, inputs));
          continue;
        }
        if (!(v instanceof LayerVertex lv)) {
          throw unsupported(name, v.getClass().getSimpleName());
        }
        String input = single(name, inputs);
        input = preprocess(name, lv.getPreProcessor(), input);
        Layer layer = lv.getLayerConf().getLayer();
        if (name.equals(output)) {
          softmax = outputLayer(name, layer, input);
        } else {
          layer(name, layer, input);
        }
      }
      return new NetworkGraph(inputShape, ops, value(output), softmax);
    }

    private String value(String vertex) {
      String v = valueOf.get(vertex);
      if (v == null) {
        throw new IllegalStateException("vertex '" + vertex + "' used before it was defined");
      }
      return v;
    }

    private void define(String vertex, Op op) {
      ops.add(op);
      valueOf.put(vertex, op.output());
    }

    private static String single(String name, List<String> inputs) {
      if (inputs.size() != 1) {
        throw new InvalidInputException("layer '" + name + "' has " + inputs.size() + " inputs; export supports one");
      }
      return inputs.get(0);
    }

    private String preprocess(String name, InputPreProcessor p, String input) {
      if (p == null) {
        return input;
      }
      if (p instanceof CnnToFeedForwardPreProcessor c && c.getFormat() == CNN2DFormat.NCHW) {
        String flat = name + ".flatten";
        ops.add(new NetworkGraph.Flatten(flat, input));
        return flat;
      }
      throw unsupported(name, "input preprocessor " + p.getClass().getSimpleName());
    }

    private void layer(String name, Layer layer, String input) {
      if (layer instanceof ActivationQuantizerLayer) {
        String quantized = name.substring(0, name.length() - QuantizationPlan.ACT_SUFFIX.length());
        define(name, new NetworkGraph.QuantizeActivation(name, input, quantized));
      } else if (layer.getClass() == ConvolutionLayer.class) {
        ConvolutionLayer c = (ConvolutionLayer) layer;
        if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
          throw unsupported(name, "data format " + c.getCnn2dDataFormat());
        }
        int[] pads = pads(name, c.getConvolutionMode(), c.getKernelSize(), c.getStride(), c.getPadding(),
            c.getDilation());
        String conv = name + (activation(name, c) == null ? "" : ".linear");
        ops.add(new NetworkGraph.Conv(conv, input, name, c.getKernelSize(), c.getStride(), pads, c.getDilation()));
        activate(name, activation(name, c), conv);
      } else if (layer.getClass() == DenseLayer.class) {
        String dense = name + (activation(name, (BaseLayer) layer) == null ? "" : ".linear");
        ops.add(new NetworkGraph.Dense(dense, input, name));
        activate(name, activation(name, (BaseLayer) layer), dense);
      } else if (layer instanceof BatchNormalization bn) {
        if (bn.getCnn2DFormat() != CNN2DFormat.NCHW) {
          throw unsupported(name, "data format " + bn.getCnn2DFormat());
        }
        define(name, new NetworkGraph.BatchNorm(name, input, name, plan.batchNormOwner(name), bn.getEps()));
      } else if (layer instanceof ActivationLayer a) {
        Function f = function(name, a.getActivationFn());
        if (f == null) {
          valueOf.put(name, input);
        } else {
          define(name, new Activation(name, input, f));
        }
      } else if (layer instanceof DropoutLayer) {
        valueOf.put(name, input); // the identity at inference
      } else if (layer instanceof SubsamplingLayer s) {
        subsampling(name, s, input);
      } else if (layer instanceof GlobalPoolingLayer g) {
        if (g.getPoolingType() != PoolingType.AVG && g.getPoolingType() != PoolingType.MAX) {
          throw unsupported(name, g.getPoolingType() + " global pooling");
        }
        define(name, new NetworkGraph.GlobalPool(name, input, g.getPoolingType() == PoolingType.AVG));
      } else {
        throw unsupported(name, layer.getClass().getSimpleName());
      }
    }

    /** The output layer: its logits, and whether softmax follows. */
    private boolean outputLayer(String name, Layer layer, String input) {
      if (!(layer instanceof BaseOutputLayer o) || !(layer instanceof org.deeplearning4j.nn.conf.layers.OutputLayer)) {
        throw unsupported(name, "output layer " + layer.getClass().getSimpleName());
      }
      define(name, new NetworkGraph.Dense(name, input, name));
      IActivation fn = o.getActivationFn();
      if (fn instanceof ActivationSoftmax) {
        return true;
      }
      if (fn instanceof ActivationIdentity) {
        return false;
      }
      throw unsupported(name, "output activation " + fn);
    }

    private Function activation(String name, BaseLayer layer) {
      return function(name, layer.getActivationFn());
    }

    private void activate(String name, Function f, String linear) {
      if (f == null) {
        valueOf.put(name, linear);
      } else {
        define(name, new Activation(name, linear, f));
      }
    }

    /** The function of a hidden activation, or null for the identity. */
    private static Function function(String name, IActivation fn) {
      if (fn == null || fn instanceof ActivationIdentity) {
        return null;
      }
      if (fn instanceof ActivationReLU r) {
        if (r.getMax() != null || (r.getThreshold() != null && r.getThreshold() != 0)
            || (r.getNegativeSlope() != null && r.getNegativeSlope() != 0)) {
          throw unsupported(name, "ReLU with max/threshold/negative slope");
        }
        return Function.RELU;
      }
      if (fn instanceof ActivationReLU6) {
        return Function.RELU6;
      }
      if (fn instanceof ActivationSigmoid) {
        return Function.SIGMOID;
      }
      if (fn instanceof ActivationTanH) {
        return Function.TANH;
      }
      throw unsupported(name, "activation " + fn);
    }

    private void subsampling(String name, SubsamplingLayer s, String input) {
      if (s.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
        throw unsupported(name, "data format " + s.getCnn2dDataFormat());
      }
      int[] pads = pads(name, s.getConvolutionMode(), s.getKernelSize(), s.getStride(), s.getPadding(),
          s.getDilation());
      if (s.getPoolingType() == PoolingType.MAX) {
        define(name, new NetworkGraph.MaxPool(name, input, s.getKernelSize(), s.getStride(), pads));
      } else if (s.getPoolingType() == PoolingType.AVG && java.util.Arrays.stream(pads).allMatch(p -> p == 0)) {
        define(name, new NetworkGraph.AveragePool(name, input, s.getKernelSize(), s.getStride()));
      } else {
        throw unsupported(name, s.getPoolingType() + " subsampling" + (s.getPoolingType() == PoolingType.AVG
            ? " with padding" : ""));
      }
    }

    /** ONNX pads (top, left, bottom, right) of a convolution or pooling layer, as DL4J pads. */
    private int[] pads(String name, ConvolutionMode mode, int[] kernel, int[] strides, int[] padding, int[] dilation) {
      if (mode == ConvolutionMode.Same) {
        InputType.InputTypeConvolutional in = inputType(name);
        int[] inSize = {(int) in.getHeight(), (int) in.getWidth()};
        int[] outSize = {(inSize[0] + strides[0] - 1) / strides[0], (inSize[1] + strides[1] - 1) / strides[1]};
        int[] dil = dilation == null ? new int[] {1, 1} : dilation;
        int[] topLeft = ConvolutionUtils.getSameModeTopLeftPadding(outSize, inSize, kernel, strides, dil);
        int[] bottomRight = ConvolutionUtils.getSameModeBottomRightPadding(outSize, inSize, kernel, strides, dil);
        return new int[] {topLeft[0], topLeft[1], bottomRight[0], bottomRight[1]};
      }
      if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
        return new int[] {padding[0], padding[1], padding[0], padding[1]};
      }
      throw unsupported(name, mode + " convolution mode");
    }

    /** The (convolutional) type of the input of vertex {@code name}. */
    private InputType.InputTypeConvolutional inputType(String name) {
      String source = conf.getVertexInputs().get(name).get(0);
      InputType t = conf.getNetworkInputs().contains(source)
          ? InputType.convolutional(inputShape[1], inputShape[2], inputShape[0]) : types.get(source);
      if (!(t instanceof InputType.InputTypeConvolutional c)) {
        throw unsupported(name, "input of type " + t);
      }
      return c;
    }

    private static InvalidInputException unsupported(String name, String what) {
      return new InvalidInputException("cannot export layer '" + name + "' to ONNX: " + what + " is not supported "
          + "(supported: convolution, dense, BatchNorm, ReLU/ReLU6/sigmoid/tanh, max/average pooling, global "
          + "pooling, dropout, Add vertices, softmax output)");
    }
  }
}
