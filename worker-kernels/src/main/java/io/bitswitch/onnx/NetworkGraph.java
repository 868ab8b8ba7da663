package io.bitswitch.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A network's inference graph as {@link OnnxWriter} needs it, without DL4J: the operations in
 * topological order, each reading values by name and writing one value named after itself. The
 * graph's input value is {@link #INPUT}, the normalised images {@code [N, C, H, W]}. Operations
 * with parameters name the bundle layer whose tensors they use (see {@code TensorNames}); whether
 * a layer is quantized, and at which bit-width, is the bundle's business, not the graph's.
 *
 * <p>{@code io.bitswitch.model.NetworkGraphs} builds one from a bundle's DL4J configuration.
 *
 * @param inputShape channels, height, width of one example
 * @param ops operations in topological order (every input is {@link #INPUT} or an earlier output)
 * @param logits the value holding the class scores before the output activation
 * @param softmax whether the network's output is {@code softmax(logits)} (else the logits)
 */
public record NetworkGraph(int[] inputShape, List<Op> ops, String logits, boolean softmax) {
  /** Name of the graph's (normalised) input value. */
  public static final String INPUT = "input";

  /** Copies; checks that every operation reads values defined before it and names are unique. */
  public NetworkGraph {
    inputShape = inputShape.clone();
    ops = Collections.unmodifiableList(new ArrayList<>(ops));
    List<String> defined = new ArrayList<>(List.of(INPUT));
    for (Op op : ops) {
      for (String in : op.inputs()) {
        if (!defined.contains(in)) {
          throw new IllegalArgumentException("operation '" + op.output() + "' reads '" + in
              + "', which no earlier operation writes");
        }
      }
      if (defined.contains(op.output())) {
        throw new IllegalArgumentException("value '" + op.output() + "' is written twice");
      }
      defined.add(op.output());
    }
    if (!defined.contains(logits)) {
      throw new IllegalArgumentException("no operation writes the logits '" + logits + "'");
    }
  }

  /** The input shape (a copy). */
  @Override
  public int[] inputShape() {
    return inputShape.clone();
  }

  /** One operation: writes the value {@link #output()} from the values {@link #inputs()}. */
  public sealed interface Op permits Conv, Dense, BatchNorm, Activation, MaxPool, AveragePool, GlobalPool,
      Flatten, Add, QuantizeActivation {
    /** The value this operation writes (also its node name). */
    String output();

    /** The values it reads. */
    List<String> inputs();
  }

  /**
   * A 2-D convolution with the weights (and optional bias) of bundle layer {@code layer}, no
   * activation.
   *
   * @param kernel kernel height, width
   * @param strides stride along height, width
   * @param pads padding in ONNX order: top, left, bottom, right
   * @param dilations dilation along height, width
   */
  public record Conv(String output, String input, String layer, int[] kernel, int[] strides, int[] pads,
      int[] dilations) implements Op {
    public Conv {
      kernel = kernel.clone();
      strides = strides.clone();
      pads = pads.clone();
      dilations = dilations.clone();
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public String toString() {
      return "Conv " + output + " k" + Arrays.toString(kernel) + " s" + Arrays.toString(strides) + " p"
          + Arrays.toString(pads);
    }
  }

  /** A fully connected layer {@code x·Wᵀ + b} with bundle layer {@code layer}'s weights, no activation. */
  public record Dense(String output, String input, String layer) implements Op {
    @Override
    public List<String> inputs() {
      return List.of(input);
    }
  }

  /**
   * Inference BatchNorm {@code γ·(x − mean)/sqrt(var + ε) + β} with one of bundle layer
   * {@code layer}'s parameter sets.
   *
   * @param owner the quantized layer whose bit-width selects the set in a mixed-precision model
   *     ({@code QuantizationPlan.batchNormOwner}), or null when the model has no quantized layer
   * @param epsilon ε
   */
  public record BatchNorm(String output, String input, String layer, String owner, double epsilon) implements Op {
    @Override
    public List<String> inputs() {
      return List.of(input);
    }
  }

  /** The element-wise functions an {@link Activation} can apply. */
  public enum Function { RELU, RELU6, SIGMOID, TANH }

  /** An element-wise activation. */
  public record Activation(String output, String input, Function function) implements Op {
    @Override
    public List<String> inputs() {
      return List.of(input);
    }
  }

  /**
   * Max pooling.
   *
   * @param pads top, left, bottom, right
   */
  public record MaxPool(String output, String input, int[] kernel, int[] strides, int[] pads) implements Op {
    public MaxPool {
      kernel = kernel.clone();
      strides = strides.clone();
      pads = pads.clone();
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }
  }

  /** Average pooling without padding. */
  public record AveragePool(String output, String input, int[] kernel, int[] strides) implements Op {
    public AveragePool {
      kernel = kernel.clone();
      strides = strides.clone();
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }
  }

  /** Global average (or max) pooling over height and width, giving {@code [N, C]}. */
  public record GlobalPool(String output, String input, boolean average) implements Op {
    @Override
    public List<String> inputs() {
      return List.of(input);
    }
  }

  /** {@code [N, C, H, W]} to {@code [N, C·H·W]} in row-major order (DL4J's CNN-to-dense preprocessor). */
  public record Flatten(String output, String input) implements Op {
    @Override
    public List<String> inputs() {
      return List.of(input);
    }
  }

  /** Element-wise sum of equally shaped values (a residual connection). */
  public record Add(String output, List<String> inputs) implements Op {
    public Add {
      inputs = List.copyOf(inputs);
    }
  }

  /**
   * The activation quantizer on the input of bundle layer {@code layer}: {@code clamp(round(x/a),
   * 0, 2^b − 1)·a} with that layer's activation scale a at its bit-width b; the identity when the
   * layer is not quantized in the bundle (an FP32 model).
   */
  public record QuantizeActivation(String output, String input, String layer) implements Op {
    @Override
    public List<String> inputs() {
      return List.of(input);
    }
  }
}
