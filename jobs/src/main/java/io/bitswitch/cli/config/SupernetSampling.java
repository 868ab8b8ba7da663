package io.bitswitch.cli.config;

import io.bitswitch.train.HasbSampler;

/** How the SuperNet re-draws layer bit-widths ({@code bitswitch.supernet.sampling}). */
public enum SupernetSampling implements ConfigEnum {
  /** Hessian-aware: sensitive layers draw b with probability b/Σb, insensitive ones uniformly. */
  HASB("hasb", HasbSampler.Sampling.HASB),
  /** Every layer draws uniformly: the baseline without Hessian information. */
  UNIFORM("uniform", HasbSampler.Sampling.UNIFORM);

  private final String configName;
  private final HasbSampler.Sampling sampling;

  SupernetSampling(String configName, HasbSampler.Sampling sampling) {
    this.configName = configName;
    this.sampling = sampling;
  }

  @Override
  public String configName() {
    return configName;
  }

  /** The sampler's mode. */
  public HasbSampler.Sampling sampling() {
    return sampling;
  }
}
