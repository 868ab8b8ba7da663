package io.bitswitch.train;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Counts the serialized task-result bytes the driver receives, per result stage: the
 * {@code taskMetrics().resultSize()} of every {@code ResultTask} (what {@code collect()} brings
 * back; shuffle map tasks return only map statuses). A training round's largest result stage is
 * its final one, so {@link #largestStage} is the bytes one round hands to the driver.
 */
final class DriverResultBytes extends SparkListener {
  private final Map<Integer, Long> byStage = new ConcurrentHashMap<>();

  /** Registers a new counter on {@code sc}. */
  static DriverResultBytes on(SparkContext sc) {
    DriverResultBytes counter = new DriverResultBytes();
    sc.addSparkListener(counter);
    return counter;
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if ("ResultTask".equals(end.taskType()) && end.taskMetrics() != null) {
      byStage.merge(end.stageId(), end.taskMetrics().resultSize(), Long::sum);
    }
  }

  /** Waits until the listener bus has delivered every event posted so far to this counter. */
  static void drain(SparkContext sc) {
    // listenerBus() is private[spark] in Scala, hence public in bytecode; tests may use it.
    try {
      sc.listenerBus().waitUntilEmpty();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Spark's listener bus did not drain", e);
    }
  }

  /** Forgets what was counted. */
  void reset() {
    byStage.clear();
  }

  /** The result bytes of the result stage that received the most. */
  long largestStage() {
    return byStage.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /** The result bytes of every result stage together. */
  long total() {
    return byStage.values().stream().mapToLong(Long::longValue).sum();
  }
}
