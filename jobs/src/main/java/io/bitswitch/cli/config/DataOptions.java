package io.bitswitch.cli.config;

/**
 * Reading and sharding the dataset ({@code bitswitch.data}).
 *
 * @param partitions number of Spark partitions (cached shards) of the training data, at least 1
 * @param maxTrainExamples largest number of training examples to use; 0 means all
 * @param maxTestExamples largest number of test examples to use; 0 means all
 * @param augment how training batches are augmented
 */
public record DataOptions(int partitions, int maxTrainExamples, int maxTestExamples, AugmentMode augment) {}
