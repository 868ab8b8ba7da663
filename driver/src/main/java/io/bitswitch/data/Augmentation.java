package io.bitswitch.data;

/**
 * How training batches are augmented ({@code bitswitch.data.augment}); evaluation never is.
 */
public enum Augmentation {
  /** Batches as they are. */
  NONE,
  /** {@link CropFlip}: random crop of the 4-pixel padded image and horizontal flip with p = 0.5. */
  CROP_FLIP
}
