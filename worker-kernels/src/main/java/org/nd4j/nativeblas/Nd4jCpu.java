package org.nd4j.nativeblas;

/**
 * Restores DL4J's oneDNN layer helpers on DL4J/ND4J 1.0.0-M2.1.
 *
 * <p>DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} by reflection and calls
 * {@code getInstance().isUseMKLDNN()}. ND4J 1.0.0-M2.1 ships the class as
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} with {@code isUseONEDNN()};
 * the lookup fails and every oneDNN helper (convolution, BatchNorm, subsampling) is dropped
 * without a word, making convolution training about 8× slower. This class sits at the expected
 * name and forwards to the real one. It also needs the JVM property
 * {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false}.
 */
public final class Nd4jCpu {
  private Nd4jCpu() {}

  /** The shape DL4J expects: {@code Environment.getInstance().isUseMKLDNN()}. */
  public static final class Environment {
    private static final Environment INSTANCE = new Environment();

    private Environment() {}

    /** The single instance, as in ND4J's own Environment. */
    public static Environment getInstance() {
      return INSTANCE;
    }

    /** Whether ND4J's native backend was built with and has enabled oneDNN. */
    public boolean isUseMKLDNN() {
      return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
    }
  }
}
