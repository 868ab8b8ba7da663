package io.bitswitch.cli.config;

/** Whether the lower precisions also learn from the highest one ({@code bitswitch.train.distill}). */
public enum DistillMode implements ConfigEnum {
  /** Every precision learns from the labels alone. */
  NONE("none"),
  /** In-place distillation: lower precisions add KL to the highest precision's softmax of the same batch. */
  INPLACE("inplace");

  private final String configName;

  DistillMode(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
