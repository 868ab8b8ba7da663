package io.bitswitch.data;

/** How a dataset is stored. */
public enum DatasetFormat {
  /** A directory with the four Fashion-MNIST/MNIST IDX files, each gzipped or raw. */
  IDX,
  /** A directory with a train and a test CSV file: {@code label,pixel1..pixelN}. */
  CSV,
  /** A directory with CIFAR-10 or CIFAR-100 binary files ({@link CifarBinary}). */
  CIFAR,
  /** A directory {@code {train,test}/<class>/} of PNG or JPEG files ({@link ImageFolder}); ingest only. */
  IMAGE_FOLDER,
  /** A dataset directory written by {@link Ingest}: {@code train/} and {@code test/} Parquet. */
  PARQUET
}
