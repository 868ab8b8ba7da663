package io.bitswitch.cli.config;

/** How a multi-precision training step applies the per-bit-width updates ({@code bitswitch.train.update-mode}). */
public enum UpdateMode implements ConfigEnum {
  /**
   * The paper's loop: for each bit-width, high to low, a gradient round at the current parameters
   * and then its update (one distributed round per bit-width).
   */
  SEQUENTIAL("sequential", io.bitswitch.train.UpdateMode.SEQUENTIAL),
  /**
   * One distributed round per step: every bit-width's gradient at the step's parameters, then one
   * Adam step per parameter segment.
   */
  AVERAGED("averaged", io.bitswitch.train.UpdateMode.AVERAGED);

  private final String configName;
  private final io.bitswitch.train.UpdateMode mode;

  UpdateMode(String configName, io.bitswitch.train.UpdateMode mode) {
    this.configName = configName;
    this.mode = mode;
  }

  @Override
  public String configName() {
    return configName;
  }

  /** The trainer's mode. */
  public io.bitswitch.train.UpdateMode mode() {
    return mode;
  }
}
