package io.bitswitch.spark;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the task attempts of a job that failed (an executor lost, a task that threw), each of
 * which Spark retries up to {@code spark.task.maxFailures} times: a job that succeeds after
 * retries still succeeded, but the count shows an unhealthy cluster
 * ({@code bitswitch_task_retries_total}, docs/design/architecture.md §6). Register it with
 * {@link #register}.
 */
public final class TaskRetryListener extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(TaskRetryListener.class);

  private final AtomicLong failed = new AtomicLong();
  private final Runnable onFailure;

  private TaskRetryListener(Runnable onFailure) {
    this.onFailure = onFailure;
  }

  /**
   * Adds a listener to {@code spark} that calls {@code onFailure} once per failed task attempt, on
   * Spark's listener bus thread.
   */
  public static TaskRetryListener register(SparkContext spark, Runnable onFailure) {
    TaskRetryListener listener = new TaskRetryListener(onFailure);
    spark.addSparkListener(listener);
    return listener;
  }

  /** Failed task attempts seen so far. */
  public long failedAttempts() {
    return failed.get();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    // A killed attempt (speculation, a cancelled stage) is not a failure that a retry answers.
    if (taskEnd.taskInfo() != null && taskEnd.taskInfo().failed()) {
      long count = failed.incrementAndGet();
      String reason = taskEnd.reason().getClass().getSimpleName().replace("$", "");
      LOG.warn("task {} of stage {} failed ({}); Spark retries it; failed task attempts so far: {}",
          taskEnd.taskInfo().id(), taskEnd.stageId(), reason, count);
      onFailure.run();
    }
  }
}
