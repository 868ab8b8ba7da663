package io.bitswitch.model;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of the hand-written activation-quantizer layer (docs/design/method.md §2) that bitswitch
 * inserts on the input of every quantized convolution and dense layer. It has no DL4J parameters:
 * its scale and bit-width are per-precision state that {@link QuantizedGraph} sets before each
 * pass, and its scale gradient is read back after backprop (see {@link ActivationQuantizerImpl}).
 * SameDiff is deliberately not used (docs/design/architecture.md §2: it mis-differentiates this in M2.1).
 */
public class ActivationQuantizerLayer extends NoParamLayer {
  private static final long serialVersionUID = 1L;

  /** For Jackson (DL4J's JSON configuration). */
  public ActivationQuantizerLayer() {}

  /** A quantizer layer with the given name. */
  public ActivationQuantizerLayer(String name) {
    this.layerName = name;
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
      int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
    ActivationQuantizerImpl layer = new ActivationQuantizerImpl(conf, networkDataType);
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(layerParamsView);
    Map<String, INDArray> table = initializer().init(conf, layerParamsView, initializeParams);
    layer.setParamTable(table);
    layer.setConf(conf);
    return layer;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    return inputType;
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    return null;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    long size = inputType.arrayElementsPerExample();
    return new LayerMemoryReport.Builder(layerName, ActivationQuantizerLayer.class, inputType, inputType)
        .standardMemory(0, 0)
        .workingMemory(0, size, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public ActivationQuantizerLayer clone() {
    return (ActivationQuantizerLayer) super.clone();
  }
}
