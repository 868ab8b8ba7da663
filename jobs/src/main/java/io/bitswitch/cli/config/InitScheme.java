package io.bitswitch.cli.config;

import io.bitswitch.model.ParameterInit;

/** How a fresh built-in architecture's weights are drawn ({@code bitswitch.model.init}). */
public enum InitScheme implements ConfigEnum {
  /** Uniform ±1/√fan_in for weights and biases (PyTorch's default). */
  FAN_IN_UNIFORM("fan-in-uniform", ParameterInit.FAN_IN_UNIFORM),
  /** He-normal weights, zero biases (DL4J's WeightInit.RELU). */
  HE_NORMAL("he-normal", ParameterInit.HE_NORMAL);

  private final String configName;
  private final ParameterInit init;

  InitScheme(String configName, ParameterInit init) {
    this.configName = configName;
    this.init = init;
  }

  @Override
  public String configName() {
    return configName;
  }

  /** The model's initialisation. */
  public ParameterInit init() {
    return init;
  }
}
