package io.bitswitch.model;

import io.bitswitch.model.ParamLayout.Kind;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.model.QuantizationPlan.LayerInfo;
import io.bitswitch.model.QuantizationPlan.Role;
import io.bitswitch.quant.ActivationQuantizer;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.quant.DoubleRounding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J graph whose weights come from the flat parameter vector θ of a {@link ParamLayout},
 * switched between precisions without rebuilding: before a pass at bit-width b,
 * {@link #load} writes the Double-Rounding fake-quantized weights (docs/design/method.md §1) into the
 * standard convolution/dense layers' parameter views, sets each activation quantizer's bits and
 * scale, and writes BatchNorm set b. After backprop, {@link #trainPass} maps DL4J's gradients
 * back to θ through the straight-through estimator. Standard DL4J layers stay on the hot path, so
 * their oneDNN helpers run. Precision 32 means floating point (pretraining and sensitivity).
 *
 * <p>A pass may also run each quantized layer at its own bit-width (mixed precision, docs/design/method.md
 * §6): {@code layerBits[i]} is the bit-width of {@code plan().quantizedLayers().get(i)}; that
 * layer's weights are Double-Rounded to it, its activation quantizer uses it, and each BatchNorm
 * layer uses the set of its {@linkplain QuantizationPlan#batchNormOwner owner}'s bit-width. A
 * uniform pass at b is the configuration with every entry b.
 *
 * <p>Not thread-safe: executors keep one instance per task thread.
 */
public final class QuantizedGraph {
  private final QuantizationPlan plan;
  private final ParamLayout layout;
  private final ComputationGraph graph;
  private final int[] inputShape;
  private final int classes;
  private final int h;
  private final List<LayerInfo> bnLayers = new ArrayList<>();
  private final int[] bnSpatial;
  private final int[] bnStatsOffset;
  private final int bnStatsLength;
  private final List<LayerInfo> quantizedLayers;
  private final int[] bnOwner;
  private final long[] macs;
  /** The configuration's own initial θ, read right after init: a graph is cached and reused, and load() changes it. */
  private final float[] configuredInit;
  private DistillationLoss distillationLoss;
  private org.nd4j.linalg.lossfunctions.ILossFunction crossEntropy;

  /**
   * @param plan the quantization plan (its configuration is instantiated here)
   * @param layout where parameters live in θ
   * @param inputShape channels, height, width of one example
   */
  public QuantizedGraph(QuantizationPlan plan, ParamLayout layout, int[] inputShape) {
    this.plan = plan;
    this.layout = layout;
    this.inputShape = inputShape.clone();
    this.graph = new ComputationGraph(plan.configuration().clone());
    this.graph.init();
    LayerHelpers.install(graph);
    this.h = layout.highest();
    Map<String, InputType> types = plan.configuration()
        .getLayerActivationTypes(InputType.convolutional(inputShape[1], inputShape[2], inputShape[0]));
    for (LayerInfo l : plan.layers()) {
      if (l.role() == Role.BATCHNORM) {
        bnLayers.add(l);
      }
    }
    bnSpatial = new int[bnLayers.size()];
    bnStatsOffset = new int[bnLayers.size()];
    int off = 0;
    for (int i = 0; i < bnLayers.size(); i++) {
      InputType t = types.get(bnLayers.get(i).name());
      bnSpatial[i] = t instanceof InputType.InputTypeConvolutional c ? (int) (c.getHeight() * c.getWidth()) : 1;
      bnStatsOffset[i] = off;
      off += 1 + 2 * bnLayers.get(i).outChannels();
    }
    bnStatsLength = off;
    quantizedLayers = plan.quantizedLayers();
    bnOwner = new int[bnLayers.size()];
    for (int i = 0; i < bnLayers.size(); i++) {
      String owner = plan.batchNormOwner(bnLayers.get(i).name());
      bnOwner[i] = -1;
      for (int q = 0; q < quantizedLayers.size(); q++) {
        if (quantizedLayers.get(q).name().equals(owner)) {
          bnOwner[i] = q;
        }
      }
    }
    macs = new long[quantizedLayers.size()];
    for (int q = 0; q < quantizedLayers.size(); q++) {
      LayerInfo l = quantizedLayers.get(q);
      InputType t = types.get(l.name());
      long positions = t instanceof InputType.InputTypeConvolutional c ? c.getHeight() * c.getWidth() : 1;
      macs[q] = positions * l.weightCount();
    }
    InputType outType = types.get(graph.getConfiguration().getNetworkOutputs().get(0));
    this.classes = (int) outType.arrayElementsPerExample();
    this.configuredInit = readParameters();
  }

  /** The layout of θ. */
  public ParamLayout layout() {
    return layout;
  }

  /** The plan. */
  public QuantizationPlan plan() {
    return plan;
  }

  /** The underlying DL4J graph (for inspection and tests). */
  public ComputationGraph graph() {
    return graph;
  }

  /** Number of output classes. */
  public int classes() {
    return classes;
  }

  /**
   * Length of the BatchNorm batch-statistics vector a pass produces: per BN layer
   * {@code [count, Σx per channel, Σx² per channel]}, where count is examples × spatial positions.
   * Sums of these vectors combine shards exactly.
   */
  public int bnStatsLength() {
    return bnStatsLength;
  }

  /** The quantized layers; index i is entry i of a per-layer bit-width configuration. */
  public List<LayerInfo> quantizedLayers() {
    return quantizedLayers;
  }

  /**
   * Multiply-accumulates of quantized layer {@code q} per example (output positions × weights):
   * what its BitOPs at b bits (weights and activations) are {@code macs · b²} of.
   */
  public long macs(int q) {
    return macs[q];
  }

  /** The configuration running every quantized layer at {@code precision} (32: floating point). */
  public int[] uniform(int precision) {
    int[] bits = new int[quantizedLayers.size()];
    java.util.Arrays.fill(bits, precision);
    return bits;
  }

  /** Whether {@code layerBits} is the floating-point configuration (32 for every layer). */
  private boolean isFloat(int[] layerBits) {
    if (!layout.quantized()) {
      return true;
    }
    for (int b : layerBits) {
      if (b != BitWidthSet.FP32_BITS) {
        return false;
      }
    }
    return true;
  }

  /**
   * The parameter set BatchNorm layer {@code i} (statistics order) uses under {@code layerBits}:
   * its owner's bit-width, or 32 in the floating-point configuration.
   */
  public int bnPrecision(int i, int[] layerBits) {
    if (isFloat(layerBits) || bnOwner[i] < 0) {
      return isFloat(layerBits) ? BitWidthSet.FP32_BITS : layout.highest();
    }
    return layerBits[bnOwner[i]];
  }

  /**
   * Whether a pass under {@code layerBits} trains segment {@code s}: shared segments always, a
   * layer's activation scale of its own bit-width, a BatchNorm layer's set of its owner's width.
   */
  public boolean activeIn(Segment s, int[] layerBits) {
    if (s.precision() == 0) {
      return true;
    }
    if (s.kind() == Kind.ACT_SCALE) {
      for (int q = 0; q < quantizedLayers.size(); q++) {
        if (quantizedLayers.get(q).name().equals(s.layer())) {
          return layerBits[q] == s.precision();
        }
      }
      return false;
    }
    for (int i = 0; i < bnLayers.size(); i++) {
      if (bnLayers.get(i).name().equals(s.layer())) {
        return bnPrecision(i, layerBits) == s.precision();
      }
    }
    return false;
  }

  private void requireConfiguration(int[] layerBits) {
    if (layerBits.length != quantizedLayers.size()) {
      throw new IllegalArgumentException("expected " + quantizedLayers.size() + " per-layer bit-widths, got "
          + layerBits.length);
    }
    if (isFloat(layerBits)) {
      return;
    }
    for (int b : layerBits) {
      if (layout.find(quantizedLayers.get(0).name(), Kind.ACT_SCALE, b) == null) {
        throw new IllegalArgumentException("bit-width " + b + " is not one of this model's precisions "
            + java.util.Arrays.toString(layout.precisions()));
      }
    }
  }

  /** The BN layers in statistics order. */
  public List<LayerInfo> bnLayers() {
    return bnLayers;
  }

  /** Offset of BN layer {@code i}'s block in the statistics vector. */
  public int bnStatsOffset(int i) {
    return bnStatsOffset[i];
  }

  /**
   * θ for a fresh model: DL4J's seeded initial weights, BN sets γ=1, β=0, mean 0, var 1, weight
   * scales from the weights, activation scales 1 (the trainer sets them from the first batch). The
   * same whatever θ this graph has run with since it was built.
   */
  public float[] initialParameters() {
    return configuredInit.clone();
  }

  private float[] readParameters() {
    float[] theta = new float[layout.size()];
    for (Segment s : layout.segments()) {
      switch (s.kind()) {
        case WEIGHT, FLOAT_WEIGHT -> ParamLayout.put(theta, s, NdArrays.toFloats(graph.getLayer(s.layer()).getParam("W"), orderOf(s.layer())));
        case BIAS -> ParamLayout.put(theta, s, NdArrays.toFloats(graph.getLayer(s.layer()).getParam("b"), 'c'));
        case BN_GAMMA, BN_VAR -> java.util.Arrays.fill(theta, s.offset(), s.offset() + s.length(), 1f);
        case ACT_SCALE -> theta[s.offset()] = 1f;
        default -> { }
      }
    }
    initWeightScales(theta);
    return theta;
  }

  /**
   * θ for a fresh model with weights and biases drawn by {@code init} (seeded);
   * {@link ParameterInit#HE_NORMAL} keeps the configuration's own DL4J initialisation
   * ({@link #initialParameters()}). Weight scales follow the drawn weights.
   */
  public float[] initialParameters(ParameterInit init, long seed) {
    float[] theta = initialParameters();
    if (init == ParameterInit.FAN_IN_UNIFORM) {
      ParameterInit.drawFanInUniform(plan, layout, theta, seed);
      initWeightScales(theta);
    }
    return theta;
  }

  /**
   * θ of this (quantized) layout started from a trained FP32 model's θ: latent weights, biases and
   * float layers copied; every precision's BatchNorm set (and the FP32 set) a copy of the FP32 set;
   * weight scales {@code max|w_c|/(2^(h−1)−1)}; activation scales 1 until
   * {@link #initActivationScales}.
   */
  public float[] fromFloatModel(float[] fpTheta, ParamLayout fpLayout) {
    float[] theta = initialParameters();
    for (Segment s : layout.segments()) {
      Segment src = switch (s.kind()) {
        case WEIGHT, BIAS, FLOAT_WEIGHT -> fpLayout.get(s.layer(), s.kind(), 0);
        case BN_GAMMA, BN_BETA, BN_MEAN, BN_VAR -> fpLayout.get(s.layer(), s.kind(), BitWidthSet.FP32_BITS);
        default -> null;
      };
      if (src != null) {
        System.arraycopy(fpTheta, src.offset(), theta, s.offset(), s.length());
      }
    }
    initWeightScales(theta);
    return theta;
  }

  /** Weight scales {@code max|w_c|/(2^(h−1)−1)} from the latent weights in θ. */
  private void initWeightScales(float[] theta) {
    for (Segment s : layout.segments()) {
      if (s.kind() == Kind.WEIGHT_SCALE) {
        float[] w = ParamLayout.slice(theta, layout.get(s.layer(), Kind.WEIGHT, 0));
        ParamLayout.put(theta, s, DoubleRounding.initScales(w, s.length(), h));
      }
    }
  }

  private char orderOf(String layer) {
    for (LayerInfo l : plan.layers()) {
      if (l.name().equals(layer)) {
        return l.weightOrder();
      }
    }
    throw new IllegalArgumentException(layer);
  }

  /**
   * Loads θ into the network at {@code precision} (a bit-width of the layout, or 32) for every
   * quantized layer.
   *
   * @param training true before a training pass: BatchNorm then normalises with batch statistics
   *     and its running-statistic parameters are zeroed so that DL4J reports the batch statistics
   */
  public void load(float[] theta, int precision, boolean training) {
    load(theta, uniform(precision), training);
  }

  /**
   * Loads θ with quantized layer i at {@code layerBits[i]} (all 32: floating point).
   *
   * @param training as in {@link #load(float[], int, boolean)}
   */
  public void load(float[] theta, int[] layerBits, boolean training) {
    requireConfiguration(layerBits);
    boolean quantize = !isFloat(layerBits);
    int q = 0;
    int bnIndex = 0;
    for (LayerInfo l : plan.layers()) {
      org.deeplearning4j.nn.api.Layer layer = graph.getLayer(l.name());
      switch (l.role()) {
        case QUANTIZED -> {
          int bits = layerBits[q++];
          float[] w = ParamLayout.slice(theta, layout.get(l.name(), Kind.WEIGHT, 0));
          ActivationQuantizerImpl aq = (ActivationQuantizerImpl) graph.getLayer(l.actQuantizer());
          if (quantize) {
            float[] s = ParamLayout.slice(theta, layout.get(l.name(), Kind.WEIGHT_SCALE, 0));
            float[] fq = new float[w.length];
            DoubleRounding.fakeQuantize(w, s, h, bits, fq);
            w = fq;
            aq.configure(bits, theta[layout.get(l.name(), Kind.ACT_SCALE, bits).offset()]);
          } else {
            aq.configure(BitWidthSet.FP32_BITS, 1f);
          }
          NdArrays.assign(layer.getParam("W"), w, l.weightOrder());
          if (l.hasBias()) {
            NdArrays.assign(layer.getParam("b"), ParamLayout.slice(theta, layout.get(l.name(), Kind.BIAS, 0)), 'c');
          }
        }
        case FLOAT -> {
          NdArrays.assign(layer.getParam("W"), ParamLayout.slice(theta, layout.get(l.name(), Kind.FLOAT_WEIGHT, 0)), l.weightOrder());
          if (l.hasBias()) {
            NdArrays.assign(layer.getParam("b"), ParamLayout.slice(theta, layout.get(l.name(), Kind.BIAS, 0)), 'c');
          }
        }
        case BATCHNORM -> {
          int set = bnPrecision(bnIndex++, layerBits);
          NdArrays.assign(layer.getParam("gamma"), ParamLayout.slice(theta, layout.get(l.name(), Kind.BN_GAMMA, set)), 'c');
          NdArrays.assign(layer.getParam("beta"), ParamLayout.slice(theta, layout.get(l.name(), Kind.BN_BETA, set)), 'c');
          if (training) {
            layer.getParam("mean").assign(0);
            layer.getParam("var").assign(0);
          } else {
            NdArrays.assign(layer.getParam("mean"), ParamLayout.slice(theta, layout.get(l.name(), Kind.BN_MEAN, set)), 'c');
            NdArrays.assign(layer.getParam("var"), ParamLayout.slice(theta, layout.get(l.name(), Kind.BN_VAR, set)), 'c');
          }
        }
        default -> throw new IllegalStateException();
      }
    }
  }

  /**
   * Moves the running statistics of the BatchNorm sets {@code layerBits} uses towards the batch
   * statistics {@code bnStats} (a sum of {@link #trainPass} statistics):
   * {@code running ← (1 − momentum)·running + momentum·batch}, with the biased batch variance.
   * Momentum 1 replaces them (BatchNorm re-estimation). Layers without examples are left alone.
   */
  public void updateBatchNormStatistics(float[] theta, int[] layerBits, double[] bnStats, double momentum) {
    for (int i = 0; i < bnLayers.size(); i++) {
      double count = bnStats[bnStatsOffset[i]];
      if (count <= 0) {
        continue;
      }
      int off = bnStatsOffset[i];
      int c = bnLayers.get(i).outChannels();
      int set = bnPrecision(i, layerBits);
      Segment mean = layout.get(bnLayers.get(i).name(), Kind.BN_MEAN, set);
      Segment var = layout.get(bnLayers.get(i).name(), Kind.BN_VAR, set);
      for (int ch = 0; ch < c; ch++) {
        double bm = bnStats[off + 1 + ch] / count;
        double bv = Math.max(0, bnStats[off + 1 + c + ch] / count - bm * bm);
        theta[mean.offset() + ch] = (float) ((1 - momentum) * theta[mean.offset() + ch] + momentum * bm);
        theta[var.offset() + ch] = (float) ((1 - momentum) * theta[var.offset() + ch] + momentum * bv);
      }
    }
  }

  private INDArray features(float[] x, int n) {
    return NdArrays.fromFloats(x, n, inputShape[0], inputShape[1], inputShape[2]);
  }

  private INDArray oneHot(int[] labels, int n) {
    float[] y = new float[n * classes];
    for (int i = 0; i < n; i++) {
      y[i * classes + labels[i]] = 1f;
    }
    return NdArrays.fromFloats(y, n, classes);
  }

  /**
   * One forward/backward pass at {@code precision} over {@code n} examples. Adds the gradient of
   * the summed cross-entropy to {@code grad} (layout of θ) and the BatchNorm batch statistics to
   * {@code bnStats}; returns the summed loss. Weight- and activation-scale gradients carry LSQ's
   * gradient scale ({@link DoubleRounding#gradScale}, {@link ActivationQuantizer#gradScale}).
   */
  public double trainPass(float[] theta, int precision, float[] x, int[] labels, int n, float[] grad,
      double[] bnStats) {
    return trainPass(theta, uniform(precision), x, labels, n, grad, bnStats);
  }

  /**
   * As {@link #trainPass(float[], int, float[], int[], int, float[], double[])} with quantized
   * layer i at {@code layerBits[i]}; BatchNorm statistics are those of the sets
   * {@link #bnPrecision} selects.
   */
  public double trainPass(float[] theta, int[] layerBits, float[] x, int[] labels, int n, float[] grad,
      double[] bnStats) {
    return trainPass(theta, layerBits, x, labels, n, grad, bnStats, null, 0, 1, null);
  }

  /**
   * As {@link #trainPass(float[], int[], float[], int[], int, float[], double[])}, optionally with
   * in-place distillation ({@link DistillationLoss}): the loss becomes
   * {@code (1 − weight)·CE + weight·T²·KL(teacher^T ‖ p^T)}.
   *
   * @param teacher [n, classes] probabilities to learn from, or null for plain cross-entropy
   * @param weight distillation weight α in [0, 1)
   * @param temperature T &gt; 0
   * @param softmaxOut receives this pass's [n, classes] softmax when non-null (a teacher for later passes)
   */
  public double trainPass(float[] theta, int[] layerBits, float[] x, int[] labels, int n, float[] grad,
      double[] bnStats, float[] teacher, double weight, double temperature, float[] softmaxOut) {
    // The output layer computes DL4J's own cross-entropy unless this pass distils or hands out its
    // softmax, so a pass's numbers never depend on what the graph ran before.
    org.deeplearning4j.nn.conf.layers.BaseOutputLayer out = outputLayer();
    if (teacher != null || softmaxOut != null) {
      if (distillationLoss == null) {
        crossEntropy = out.getLossFn();
        distillationLoss = new DistillationLoss();
      }
      distillationLoss.teach(teacher, weight, temperature);
      distillationLoss.capture(softmaxOut);
      out.setLossFn(distillationLoss);
    } else if (distillationLoss != null) {
      out.setLossFn(crossEntropy);
    }
    load(theta, layerBits, true);
    graph.setInputs(features(x, n));
    graph.setLabels(oneHot(labels, n));
    graph.computeGradientAndScore();
    double loss = graph.score() * n;
    Gradient g = graph.gradient();
    boolean quantize = !isFloat(layerBits);
    int bnIndex = 0;
    int q = 0;
    for (LayerInfo l : plan.layers()) {
      String name = l.name();
      switch (l.role()) {
        case QUANTIZED -> {
          int precision = layerBits[q++];
          float[] gOut = NdArrays.toFloats(g.getGradientFor(name + "_W"), l.weightOrder());
          Segment ws = layout.get(name, Kind.WEIGHT, 0);
          if (quantize) {
            Segment ss = layout.get(name, Kind.WEIGHT_SCALE, 0);
            float[] gw = new float[gOut.length];
            float[] gs = new float[ss.length()];
            DoubleRounding.backward(ParamLayout.slice(theta, ws), ParamLayout.slice(theta, ss), h, precision, gOut, gw, gs);
            float lsq = DoubleRounding.gradScale(gw.length / gs.length, precision);
            for (int c = 0; c < gs.length; c++) {
              gs[c] *= lsq;
            }
            ParamLayout.add(grad, ws, gw);
            ParamLayout.add(grad, ss, gs);
            ActivationQuantizerImpl aq = (ActivationQuantizerImpl) graph.getLayer(l.actQuantizer());
            grad[layout.get(name, Kind.ACT_SCALE, precision).offset()] += aq.scaleGradient();
          } else {
            ParamLayout.add(grad, ws, gOut);
          }
          if (l.hasBias()) {
            ParamLayout.add(grad, layout.get(name, Kind.BIAS, 0), NdArrays.toFloats(g.getGradientFor(name + "_b"), 'c'));
          }
        }
        case FLOAT -> {
          ParamLayout.add(grad, layout.get(name, Kind.FLOAT_WEIGHT, 0), NdArrays.toFloats(g.getGradientFor(name + "_W"), l.weightOrder()));
          if (l.hasBias()) {
            ParamLayout.add(grad, layout.get(name, Kind.BIAS, 0), NdArrays.toFloats(g.getGradientFor(name + "_b"), 'c'));
          }
        }
        case BATCHNORM -> {
          int set = bnPrecision(bnIndex, layerBits);
          ParamLayout.add(grad, layout.get(name, Kind.BN_GAMMA, set), NdArrays.toFloats(g.getGradientFor(name + "_gamma"), 'c'));
          ParamLayout.add(grad, layout.get(name, Kind.BN_BETA, set), NdArrays.toFloats(g.getGradientFor(name + "_beta"), 'c'));
          // With decay 0 and zeroed running parameters, DL4J's mean/var "gradients" are exactly
          // minus the batch mean and minus the batch variance.
          float[] mean = NdArrays.toFloats(g.getGradientFor(name + "_mean"), 'c');
          float[] var = NdArrays.toFloats(g.getGradientFor(name + "_var"), 'c');
          int c = l.outChannels();
          int off = bnStatsOffset[bnIndex];
          double count = (double) n * bnSpatial[bnIndex];
          bnStats[off] += count;
          for (int i = 0; i < c; i++) {
            double m = -mean[i];
            double v = -var[i];
            bnStats[off + 1 + i] += count * m;
            bnStats[off + 1 + c + i] += count * (v + m * m);
          }
          bnIndex++;
        }
        default -> throw new IllegalStateException();
      }
    }
    return loss;
  }

  /** The output layer's configuration; distillation needs a softmax cross-entropy (MCXENT) one. */
  private org.deeplearning4j.nn.conf.layers.BaseOutputLayer outputLayer() {
    org.deeplearning4j.nn.conf.layers.Layer conf = graph.getOutputLayer(0).conf().getLayer();
    if (!(conf instanceof org.deeplearning4j.nn.conf.layers.BaseOutputLayer out)
        || !(out.getLossFn() instanceof org.nd4j.linalg.lossfunctions.impl.LossMCXENT
            || out.getLossFn() instanceof DistillationLoss)) {
      throw new io.bitswitch.InvalidInputException("in-place distillation needs a softmax cross-entropy (MCXENT) "
          + "output layer; this model's output layer is " + conf.getClass().getSimpleName());
    }
    return out;
  }

  /** Class probabilities, row-major [n, classes], at the precision last {@link #load}ed. */
  public float[] output(float[] x, int n) {
    INDArray out = graph.outputSingle(false, features(x, n));
    return NdArrays.toFloats(out);
  }

  /**
   * Class scores before the output layer's activation (the logits of a softmax output), row-major
   * [n, classes], at the precision last {@link #load}ed: the output layer's input times its weights
   * plus its bias. For comparing with other runtimes, where probabilities near 0 or 1 hide differences.
   */
  public float[] logits(float[] x, int n) {
    Map<String, INDArray> acts = graph.feedForward(features(x, n), false);
    String output = graph.getConfiguration().getNetworkOutputs().get(0);
    String source = graph.getConfiguration().getVertexInputs().get(output).get(0);
    INDArray in = acts.get(source).castTo(DataType.FLOAT).dup('c').reshape('c', n, -1);
    org.deeplearning4j.nn.api.Layer layer = graph.getLayer(output);
    INDArray scores = in.mmul(layer.getParam("W"));
    INDArray bias = layer.getParam("b");
    if (bias != null) {
      scores.addiRowVector(bias);
    }
    return NdArrays.toFloats(scores);
  }

  /**
   * Inputs of every activation quantizer in an FP32 inference pass over {@code x}, in the order of
   * {@link QuantizationPlan#quantizedLayers()}: what LSQ initialises the activation scales from.
   */
  public List<float[]> activationQuantizerInputs(float[] theta, float[] x, int n) {
    load(theta, BitWidthSet.FP32_BITS, false);
    return quantizerInputs(x, n);
  }

  /**
   * Inputs of every activation quantizer in an inference pass over {@code x} at the precision last
   * {@link #load}ed, in the order of {@link QuantizationPlan#quantizedLayers()}.
   */
  public List<float[]> quantizerInputs(float[] x, int n) {
    Map<String, INDArray> acts = graph.feedForward(features(x, n), false);
    List<float[]> out = new ArrayList<>();
    for (LayerInfo l : plan.quantizedLayers()) {
      String source = graph.getConfiguration().getVertexInputs().get(l.actQuantizer()).get(0);
      out.add(NdArrays.toFloats(acts.get(source)));
    }
    return out;
  }

  /** Sets every activation scale of θ from LSQ's rule on the first batch (docs/design/method.md §2). */
  public void initActivationScales(float[] theta, float[] x, int n) {
    List<float[]> inputs = activationQuantizerInputs(theta, x, n);
    List<LayerInfo> q = plan.quantizedLayers();
    for (int i = 0; i < q.size(); i++) {
      for (int b : layout.precisions()) {
        theta[layout.get(q.get(i).name(), Kind.ACT_SCALE, b).offset()] = ActivationQuantizer.initScale(inputs.get(i), b);
      }
    }
  }
}
