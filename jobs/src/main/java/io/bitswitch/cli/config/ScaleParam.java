package io.bitswitch.cli.config;

import io.bitswitch.train.ScaleParameterisation;

/** How the optimiser learns the quantization scales ({@code bitswitch.train.scale-param}). */
public enum ScaleParam implements ConfigEnum {
  /** Adam on the scale itself, kept positive by a clamp. */
  LINEAR("linear", ScaleParameterisation.LINEAR),
  /** Adam on the logarithm of the scale. */
  LOG("log", ScaleParameterisation.LOG);

  private final String configName;
  private final ScaleParameterisation parameterisation;

  ScaleParam(String configName, ScaleParameterisation parameterisation) {
    this.configName = configName;
    this.parameterisation = parameterisation;
  }

  @Override
  public String configName() {
    return configName;
  }

  /** The optimiser's parameterisation. */
  public ScaleParameterisation parameterisation() {
    return parameterisation;
  }
}
