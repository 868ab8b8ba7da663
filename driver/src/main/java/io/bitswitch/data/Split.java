package io.bitswitch.data;

/** The two parts of every dataset. */
public enum Split {
  TRAIN("train"),
  TEST("test");

  private final String dirName;

  Split(String dirName) {
    this.dirName = dirName;
  }

  /** Lower-case name, also the sub-directory of an ingested Parquet dataset. */
  public String dirName() {
    return dirName;
  }
}
