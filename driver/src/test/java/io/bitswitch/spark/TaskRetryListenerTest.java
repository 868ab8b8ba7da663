package io.bitswitch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** {@link TaskRetryListener} counts the failed attempts of a job that Spark's task retry completes. */
class TaskRetryListenerTest {
  @Test
  void aTaskThatFailsOnceIsCountedAndTheJobCompletes() throws Exception {
    // local[1,2]: one core, and each task may fail once (local mode retries nothing otherwise).
    try (SparkSession spark = SparkSessions.create("local[1,2]", "task retry test", Map.of())) {
      AtomicLong told = new AtomicLong();
      TaskRetryListener listener = TaskRetryListener.register(spark.sparkContext(), told::incrementAndGet);
      List<Integer> doubled = new JavaSparkContext(spark.sparkContext()).parallelize(List.of(1, 2, 3, 4), 2)
          .map(x -> {
            if (x == 3 && TaskContext.get().attemptNumber() == 0) {
              throw new IllegalStateException("injected failure of the first attempt");
            }
            return 2 * x;
          }).collect();
      assertEquals(List.of(2, 4, 6, 8), doubled);
      // The listener bus delivers events asynchronously.
      for (int i = 0; i < 100 && listener.failedAttempts() == 0; i++) {
        Thread.sleep(100);
      }
      assertEquals(1, listener.failedAttempts());
      assertEquals(1, told.get());
    }
  }
}
