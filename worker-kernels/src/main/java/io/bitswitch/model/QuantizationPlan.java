package io.bitswitch.model;

import io.bitswitch.InvalidInputException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;

/**
 * Decides, for a floating-point graph configuration, which layers are quantized and inserts an
 * activation quantizer on each quantized layer's input (docs/design/architecture.md §1, docs/design/method.md §1–3):
 * every convolution and dense layer except the first parameterised layer and the output layer is
 * quantized; BatchNorm layers become switchable (one parameter set per precision). What cannot be
 * quantized as specified is refused: other parameterised layer types, and a quantized layer whose
 * input can be negative (the activation quantizer is unsigned, so a ReLU must come before it,
 * possibly through pooling or dropout).
 */
public final class QuantizationPlan {
  /** Suffix of the inserted activation-quantizer vertex: {@code <layer>_aq}. */
  public static final String ACT_SUFFIX = "_aq";

  /** A layer's role in the plan. */
  public enum Role { QUANTIZED, FLOAT, BATCHNORM }

  /**
   * One parameterised layer.
   *
   * @param name vertex name in the graph
   * @param role quantized, float, or BatchNorm
   * @param outChannels output channels (scale count for quantized layers; BN channels)
   * @param weightShape DL4J weight shape (empty for BN)
   * @param weightOrder DL4J weight ordering: 'c' for convolutions, 'f' for dense (so each output
   *     channel is contiguous in both)
   * @param hasBias whether the layer has a bias
   */
  public record LayerInfo(String name, Role role, int outChannels, long[] weightShape, char weightOrder,
      boolean hasBias) {
    /** Element count of the weight. */
    public int weightCount() {
      long n = 1;
      for (long d : weightShape) {
        n *= d;
      }
      return (int) n;
    }

    /** Name of this layer's activation quantizer (quantized layers only). */
    public String actQuantizer() {
      return name + ACT_SUFFIX;
    }
  }

  private final ComputationGraphConfiguration configuration;
  private final List<LayerInfo> layers;
  private final Map<String, String> batchNormOwners;

  private QuantizationPlan(ComputationGraphConfiguration configuration, List<LayerInfo> layers,
      Map<String, String> batchNormOwners) {
    this.configuration = configuration;
    this.layers = Collections.unmodifiableList(layers);
    this.batchNormOwners = Collections.unmodifiableMap(batchNormOwners);
  }

  /**
   * The quantized layer whose bit-width selects a BatchNorm layer's parameter set in a
   * mixed-precision pass (docs/design/method.md §3: one set per (layer, bit-width of that layer)): the
   * convolution or dense layer it normalises when that layer is quantized; otherwise (the float
   * first layer) the first quantized layer after it in topological order, which consumes its
   * output. In a uniform-precision pass every owner has the pass's bit-width, so this is the
   * per-precision set of docs/design/method.md §3. Null when the model has no quantized layer.
   */
  public String batchNormOwner(String batchNormLayer) {
    return batchNormOwners.get(batchNormLayer);
  }

  /** The graph with activation quantizers inserted and BatchNorm made switchable. */
  public ComputationGraphConfiguration configuration() {
    return configuration;
  }

  /** Parameterised layers in topological order. */
  public List<LayerInfo> layers() {
    return layers;
  }

  /** The quantized layers in topological order. */
  public List<LayerInfo> quantizedLayers() {
    return layers.stream().filter(l -> l.role() == Role.QUANTIZED).toList();
  }

  /**
   * Plans the quantization of {@code fp}, which is left unchanged.
   *
   * @throws InvalidInputException when the graph cannot be quantized as specified
   */
  public static QuantizationPlan of(ComputationGraphConfiguration fp) {
    ComputationGraphConfiguration conf = fp.clone();
    Map<String, GraphVertex> vertices = conf.getVertices();
    Map<String, List<String>> inputs = conf.getVertexInputs();
    List<String> order = topologicalOrder(conf);

    List<String> paramLayers = new ArrayList<>();
    for (String name : order) {
      Layer layer = layerOf(vertices.get(name));
      if (layer == null) {
        if (vertices.get(name) != null && vertices.get(name).numParams(true) > 0) {
          throw new InvalidInputException("vertex '" + name + "' has parameters but is not a layer; cannot quantize it");
        }
        continue;
      }
      if (layer instanceof BatchNormalization bn) {
        bn.setUseLogStd(false);
        // decay 0 makes DL4J report the batch statistics exactly in its mean/var "gradient";
        // running statistics are kept by bitswitch (docs/design/method.md §3), not by DL4J.
        bn.setDecay(0.0);
        bn.setLockGammaBeta(false);
        paramLayers.add(name);
      } else if (layer instanceof BaseOutputLayer || isPlainConv(layer) || layer.getClass() == DenseLayer.class) {
        paramLayers.add(name);
      } else if (layer.initializer().numParams(layer) > 0) {
        throw new InvalidInputException("layer '" + name + "' (" + layer.getClass().getSimpleName()
            + ") has parameters but cannot be quantized as specified; supported: ConvolutionLayer, "
            + "DenseLayer, BatchNormalization, output layers");
      }
    }
    String first = paramLayers.stream()
        .filter(n -> !(layerOf(vertices.get(n)) instanceof BatchNormalization)).findFirst()
        .orElseThrow(() -> new InvalidInputException("the model has no convolution or dense layer"));

    List<LayerInfo> infos = new ArrayList<>();
    for (String name : paramLayers) {
      Layer layer = layerOf(vertices.get(name));
      if (layer instanceof BatchNormalization bn) {
        infos.add(new LayerInfo(name, Role.BATCHNORM, (int) bn.getNOut(), new long[0], 'c', false));
        continue;
      }
      boolean isConv = layer instanceof ConvolutionLayer;
      long[] shape;
      int out;
      boolean bias;
      if (isConv) {
        ConvolutionLayer c = (ConvolutionLayer) layer;
        shape = new long[] {c.getNOut(), c.getNIn(), c.getKernelSize()[0], c.getKernelSize()[1]};
        out = (int) c.getNOut();
        bias = c.hasBias();
      } else {
        org.deeplearning4j.nn.conf.layers.FeedForwardLayer f = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) layer;
        shape = new long[] {f.getNIn(), f.getNOut()};
        out = (int) f.getNOut();
        bias = !(f instanceof DenseLayer d) || d.hasBias();
        if (f instanceof BaseOutputLayer o) {
          bias = o.hasBias();
        }
      }
      boolean quantized = !name.equals(first) && !(layer instanceof BaseOutputLayer);
      infos.add(new LayerInfo(name, quantized ? Role.QUANTIZED : Role.FLOAT, out, shape, isConv ? 'c' : 'f', bias));
      if (quantized) {
        List<String> in = inputs.get(name);
        if (in == null || in.size() != 1) {
          throw new InvalidInputException("quantized layer '" + name + "' must have exactly one input");
        }
        requireNonNegative(name, in.get(0), vertices, inputs);
        String aq = name + ACT_SUFFIX;
        NeuralNetConfiguration nnc = conf.getDefaultConfiguration().clone();
        nnc.setLayer(new ActivationQuantizerLayer(aq));
        vertices.put(aq, new LayerVertex(nnc, null));
        inputs.put(aq, new ArrayList<>(List.of(in.get(0))));
        inputs.put(name, new ArrayList<>(List.of(aq)));
      }
    }
    conf.setTopologicalOrder(null);
    conf.setTopologicalOrderStr(null);
    conf.validate();
    return new QuantizationPlan(conf, infos, batchNormOwners(infos, vertices, fp.getVertexInputs()));
  }

  private static Map<String, String> batchNormOwners(List<LayerInfo> infos, Map<String, GraphVertex> vertices,
      Map<String, List<String>> inputs) {
    Map<String, Role> roles = new HashMap<>();
    for (LayerInfo l : infos) {
      roles.put(l.name(), l.role());
    }
    Map<String, String> owners = new HashMap<>();
    for (int i = 0; i < infos.size(); i++) {
      LayerInfo bn = infos.get(i);
      if (bn.role() != Role.BATCHNORM) {
        continue;
      }
      // Walk up first inputs through parameter-free vertices to the layer this BN normalises.
      String current = bn.name();
      String producer = null;
      while (producer == null) {
        List<String> in = inputs.get(current);
        if (in == null || in.isEmpty() || !vertices.containsKey(in.get(0))) {
          break;
        }
        current = in.get(0);
        Role r = roles.get(current);
        if (r == Role.QUANTIZED || r == Role.FLOAT) {
          producer = current;
        }
      }
      String owner = producer != null && roles.get(producer) == Role.QUANTIZED ? producer : null;
      for (int j = i + 1; owner == null && j < infos.size(); j++) {
        if (infos.get(j).role() == Role.QUANTIZED) {
          owner = infos.get(j).name();
        }
      }
      for (int j = i - 1; owner == null && j >= 0; j--) {
        if (infos.get(j).role() == Role.QUANTIZED) {
          owner = infos.get(j).name();
        }
      }
      if (owner != null) {
        owners.put(bn.name(), owner);
      }
    }
    return owners;
  }

  private static boolean isPlainConv(Layer layer) {
    return layer.getClass() == ConvolutionLayer.class;
  }

  private static Layer layerOf(GraphVertex v) {
    return v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
  }

  private static void requireNonNegative(String quantized, String source, Map<String, GraphVertex> vertices,
      Map<String, List<String>> inputs) {
    String current = source;
    while (true) {
      Layer layer = layerOf(vertices.get(current));
      if (layer instanceof SubsamplingLayer || layer instanceof DropoutLayer || layer instanceof GlobalPoolingLayer) {
        List<String> in = inputs.get(current);
        if (in != null && in.size() == 1) {
          current = in.get(0);
          continue;
        }
      }
      IActivation act = null;
      if (layer instanceof ActivationLayer a) {
        act = a.getActivationFn();
      } else if (layer instanceof BaseLayer b && !(layer instanceof BatchNormalization)) {
        act = b.getActivationFn();
      }
      if (act instanceof ActivationReLU || act instanceof ActivationReLU6) {
        return;
      }
      throw new InvalidInputException("layer '" + quantized + "' would be quantized, but its input (from '"
          + current + "') can be negative: bitswitch's activation quantizer is unsigned and needs a ReLU "
          + "before every quantized layer (directly or through pooling/dropout)");
    }
  }

  /** Kahn's algorithm, ties broken by the vertices' declaration order (deterministic). */
  static List<String> topologicalOrder(ComputationGraphConfiguration conf) {
    Map<String, List<String>> inputs = conf.getVertexInputs();
    Map<String, Integer> pending = new LinkedHashMap<>();
    Map<String, List<String>> consumers = new HashMap<>();
    for (String v : conf.getVertices().keySet()) {
      List<String> in = inputs.getOrDefault(v, List.of());
      pending.put(v, (int) in.stream().filter(conf.getVertices()::containsKey).count());
      for (String i : in) {
        consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(v);
      }
    }
    Deque<String> ready = new ArrayDeque<>();
    pending.forEach((v, n) -> {
      if (n == 0) {
        ready.add(v);
      }
    });
    List<String> order = new ArrayList<>();
    while (!ready.isEmpty()) {
      String v = ready.poll();
      order.add(v);
      for (String c : consumers.getOrDefault(v, List.of())) {
        if (pending.merge(c, -1, Integer::sum) == 0) {
          ready.add(c);
        }
      }
    }
    if (order.size() != pending.size()) {
      throw new InvalidInputException("the model graph has a cycle");
    }
    return order;
  }
}
