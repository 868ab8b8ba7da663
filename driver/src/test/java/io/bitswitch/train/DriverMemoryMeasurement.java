package io.bitswitch.train;

import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.spark.SparkSessions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The measurement behind docs/PERFORMANCE.md "Driver memory", not a test (its name keeps it out of
 * the suite; it runs only with {@code -Dbitswitch.measure=true}): a few joint-QAT steps of
 * {@code resnet20} on Fashion-MNIST at 2, 4, 8 and 16 partitions on {@code local[2]}, printing per
 * partition count the task-result bytes the driver receives per round (its largest result stage)
 * and the heap high-water mark of this JVM. In local mode the executor threads share this JVM,
 * so the heap figure mixes driver and task memory; the bytes are the driver-only evidence.
 *
 * <pre>
 * mvn -B -o -pl driver -am test -Dtest=DriverMemoryMeasurement -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dbitswitch.measure=true [-Dbitswitch.measure.steps=3]
 * </pre>
 */
class DriverMemoryMeasurement {
  @Test
  @EnabledIfSystemProperty(named = "bitswitch.measure", matches = "true")
  void resnet20DriverBytesAndHeapByPartitionCount() {
    int steps = Integer.getInteger("bitswitch.measure.steps", 3);
    int batch = 128;
    int[] precisions = {8, 4};
    StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
        "resnet20, Fashion-MNIST, local[2], batch %d, %d steps, precisions {8,4} (one round per precision)%n"
            + "| partitions | driver result bytes per round | all result bytes | θ floats | heap peak (MiB) | heap after GC max (MiB) |%n"
            + "|---|---|---|---|---|---|%n", batch, steps));
    for (int partitions : new int[] {2, 4, 8, 16}) {
      SparkSession spark = SparkSessions.create("local[2]", "bitswitch-driver-memory", Map.of());
      try {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset ds = Datasets.open(spark, TrainingPipelineTest.DATA);
        JavaRDD<Shard> shards = ds.shards(Split.TRAIN, partitions, ds.normalization(), (long) batch * steps);
        ModelSpec spec = new ModelSpec("resnet20", "", ds.inputShape().toArray(), ds.numClasses(), 1, precisions);
        TrainOptions options = new TrainOptions(1, batch, 1e-3, 5e-5, true, ScaleParameterisation.LOG,
            Distillation.NONE, 0.1, 1, 1000);
        MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options);
        float[] theta = trainer.driverGraph().initialParameters();
        DriverResultBytes bytes = DriverResultBytes.on(spark.sparkContext());
        HeapWatermark heap = HeapWatermark.start();
        trainer.train(shards, theta, false, 0, new Adam(trainer.layout(), options.scales()), s -> { });
        DriverResultBytes.drain(spark.sparkContext());
        table.append(String.format(Locale.ROOT, "| %d | %,d | %,d | %,d | %.0f | %.0f |%n", partitions,
            bytes.largestStage(), bytes.total(), (long) trainer.layout().size(), heap.peakBytes() / 1048576.0,
            heap.maxAfterGcBytes() / 1048576.0));
        heap.stop();
      } finally {
        spark.stop();
      }
    }
    System.out.println("driver memory table:\n" + table);
  }

  /** Heap high-water mark from a reset point: the heap pools' peak usage, and the largest heap after a GC. */
  static final class HeapWatermark {
    private final javax.management.NotificationListener gcListener;
    private volatile long maxAfterGc;

    private HeapWatermark() {
      gcListener = (notification, handback) -> {
        if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
            .equals(notification.getType())) {
          return;
        }
        var info = com.sun.management.GarbageCollectionNotificationInfo.from(
            (javax.management.openmbean.CompositeData) notification.getUserData());
        long used = 0;
        for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
          if (isHeapPool(e.getKey())) {
            used += e.getValue().getUsed();
          }
        }
        maxAfterGc = Math.max(maxAfterGc, used);
      };
    }

    static HeapWatermark start() {
      System.gc();
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        pool.resetPeakUsage();
      }
      HeapWatermark w = new HeapWatermark();
      for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((javax.management.NotificationEmitter) gc).addNotificationListener(w.gcListener, null, null);
      }
      return w;
    }

    void stop() {
      for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        try {
          ((javax.management.NotificationEmitter) gc).removeNotificationListener(gcListener);
        } catch (javax.management.ListenerNotFoundException e) {
          // already gone
        }
      }
    }

    private static boolean isHeapPool(String name) {
      return ManagementFactory.getMemoryPoolMXBeans().stream()
          .anyMatch(p -> p.getName().equals(name) && p.getType() == MemoryType.HEAP);
    }

    /** The sum of the heap pools' peak usage since {@link #start} (an upper bound of the true peak). */
    long peakBytes() {
      long sum = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          sum += pool.getPeakUsage().getUsed();
        }
      }
      return sum;
    }

    /** The largest heap occupancy right after a collection since {@link #start} (the live set at its largest). */
    long maxAfterGcBytes() {
      return maxAfterGc;
    }
  }
}
