package io.bitswitch.progress;

/**
 * What a stage reports besides its progress output, for the job's metrics: every training step
 * and every checkpoint written. Called on the driver thread.
 */
public interface StageListener {
  /** Listens to nothing. */
  StageListener NONE = new StageListener() {};

  /** After each training step. */
  default void step(StepRecord record) {}

  /** After each SuperNet pass, with the bit-width every quantized layer ran at. */
  default void hasbDraw(int... layerBits) {}

  /**
   * After each committed checkpoint.
   *
   * @param step the step it holds
   * @param seconds wall time of the write, commit and pruning
   * @param bytes bytes written
   */
  default void checkpointWritten(int step, double seconds, long bytes) {}
}
