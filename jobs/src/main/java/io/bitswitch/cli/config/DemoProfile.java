package io.bitswitch.cli.config;

/**
 * The size of the {@code demo} run ({@code bitswitch.demo.profile}). Each profile's overrides live
 * in {@code bitswitch.demo.<name>} and apply beneath the user's own settings.
 */
public enum DemoProfile implements ConfigEnum {
  /** A subset of the data and short schedules: minutes on a laptop. */
  QUICK("quick"),
  /** All data and the configured schedules. */
  FULL("full");

  private final String configName;

  DemoProfile(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
