package io.bitswitch.train;

import io.bitswitch.model.ParameterInit;
import io.bitswitch.model.QuantizedGraph;

/**
 * The model and data of a stage.
 *
 * @param architecture architecture name
 * @param userConfigJson DL4J JSON for {@code custom}
 * @param seed initialisation and data-order seed
 * @param dataUri dataset (IDX/CSV directory or ingested Parquet)
 * @param partitions number of shards
 * @param maxTrain training examples to use (0 = all)
 * @param maxTest test examples to use (0 = all)
 * @param evalBatch inference batch size
 * @param init how a fresh built-in architecture's weights are drawn (custom ones keep their own)
 */
public record StageSetup(String architecture, String userConfigJson, long seed, String dataUri, int partitions,
    long maxTrain, long maxTest, int evalBatch, ParameterInit init) {
  /** A setup with the project's default initialisation, {@link ParameterInit#FAN_IN_UNIFORM}. */
  public StageSetup(String architecture, String userConfigJson, long seed, String dataUri, int partitions,
      long maxTrain, long maxTest, int evalBatch) {
    this(architecture, userConfigJson, seed, dataUri, partitions, maxTrain, maxTest, evalBatch,
        ParameterInit.FAN_IN_UNIFORM);
  }

  /** The initial θ of a fresh run of {@code graph}. */
  float[] initialParameters(QuantizedGraph graph) {
    return "custom".equals(architecture) ? graph.initialParameters() : graph.initialParameters(init, seed);
  }
}
