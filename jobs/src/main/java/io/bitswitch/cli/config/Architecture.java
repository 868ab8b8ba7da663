package io.bitswitch.cli.config;

/** The network architectures bitswitch can build ({@code bitswitch.model.architecture}). */
public enum Architecture implements ConfigEnum {
  /** The small Fashion-MNIST convolutional network of the demo. */
  FMNIST_CNN("fmnist-cnn"),
  /** ResNet-20 (CIFAR-style, three stages of basic blocks). */
  RESNET20("resnet20"),
  /** A DL4J configuration read from the JSON file named by {@code bitswitch.model.config}. */
  CUSTOM("custom");

  private final String configName;

  Architecture(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
