package io.bitswitch.cli.config;

import io.bitswitch.data.Augmentation;

/** How training batches are augmented ({@code bitswitch.data.augment}); see {@link Augmentation}. */
public enum AugmentMode implements ConfigEnum {
  /** No augmentation. */
  NONE("none", Augmentation.NONE),
  /** Random crop with 4-pixel zero padding and horizontal flip with p = 0.5, seeded per step. */
  CROP_FLIP("crop-flip", Augmentation.CROP_FLIP);

  private final String configName;
  private final Augmentation augmentation;

  AugmentMode(String configName, Augmentation augmentation) {
    this.configName = configName;
    this.augmentation = augmentation;
  }

  @Override
  public String configName() {
    return configName;
  }

  /** The training-side setting. */
  public Augmentation augmentation() {
    return augmentation;
  }
}
