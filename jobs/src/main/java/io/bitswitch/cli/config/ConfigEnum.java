package io.bitswitch.cli.config;

/** An enumeration whose constants are written in configuration files by a lower-case name. */
public interface ConfigEnum {
  /** The name of this constant in configuration files and on the command line, e.g. {@code fmnist-cnn}. */
  String configName();
}
