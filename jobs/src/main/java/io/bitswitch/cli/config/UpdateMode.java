package io.bitswitch.cli.config;

/** How a multi-precision training step applies the per-bit-width updates ({@code bitswitch.train.update-mode}). */
public enum UpdateMode implements ConfigEnum {
  /**
   * Every bit-width's gradient is computed at the step's parameters in one distributed round; the
   * updates are then applied in descending bit-width.
   */
  FUSED("fused"),
  /**
   * The paper's schedule: each bit-width's update is applied before the next bit-width's gradient
   * is computed (one distributed round per bit-width).
   */
  SEQUENTIAL("sequential");

  private final String configName;

  UpdateMode(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
