package io.bitswitch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Fails when a convolution, BatchNorm or subsampling layer runs without its oneDNN helper: the
 * {@code linux-x86_64-onednn} natives, {@link org.nd4j.nativeblas.Nd4jCpu} and
 * {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false} are all needed (docs/design/architecture.md §2).
 */
class OneDnnHelpersTest {

  @Test
  void convolutionBatchNormAndPoolingRunOnOneDnn() {
    assertEquals("false", System.getProperty("org.eclipse.deeplearning4j.helpers.disable"),
        "the JVM must run with -Dorg.eclipse.deeplearning4j.helpers.disable=false");
    assertTrue(BaseMKLDNNHelper.mklDnnEnabled(), "DL4J reports oneDNN disabled");

    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(1).optimizationAlgo(OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT)
        .cacheMode(CacheMode.DEVICE)
        .list()
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
            .hasBias(false).activation(Activation.IDENTITY).build())
        .layer(new BatchNormalization.Builder().build())
        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
            .activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutional(8, 8, 1))
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    net.setInput(Nd4j.rand(2, 1, 8, 8));
    net.setLabels(Nd4j.eye(3).getRows(0, 1));
    net.computeGradientAndScore();

    assertInstanceOf(MKLDNNConvHelper.class,
        ((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) net.getLayer(0)).getHelper());
    assertInstanceOf(MKLDNNBatchNormHelper.class,
        ((org.deeplearning4j.nn.layers.normalization.BatchNormalization) net.getLayer(1)).getHelper());
    assertInstanceOf(MKLDNNSubsamplingHelper.class,
        ((org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer) net.getLayer(2)).getHelper());
  }
}
