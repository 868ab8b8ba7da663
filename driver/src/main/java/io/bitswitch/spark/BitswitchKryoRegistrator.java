package io.bitswitch.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers with Kryo every class bitswitch sends through Spark (task results, shuffles,
 * broadcasts, cached blocks). Sessions run with {@code spark.kryo.registrationRequired=true}, so a
 * class missing here fails loudly in tests instead of being written with its full name each time.
 *
 * <p>Add new classes to the list of their package below; records go through
 * {@link #registerRecord} (Kryo 4 cannot set a record's fields), Scala objects through
 * {@link #registerScalaObject}. Spark's own common classes (boxed
 * primitives, String, Scala tuples and collections) are registered by Spark itself.
 */
public class BitswitchKryoRegistrator implements KryoRegistrator {

  @Override
  public void registerClasses(Kryo kryo) {
    // Primitive arrays: parameters, gradients, shards and broadcasts travel as these.
    kryo.register(byte[].class);
    kryo.register(int[].class);
    kryo.register(long[].class);
    kryo.register(float[].class);
    kryo.register(double[].class);
    kryo.register(boolean[].class);
    kryo.register(Object[].class);
    kryo.register(float[][].class);
    kryo.register(double[][].class);

    // Spark SQL classes Spark itself does not register: Parquet footers' schemas come back from
    // executors as StructTypes, and Spark registers the other atomic types but not this one.
    registerScalaObject(kryo, org.apache.spark.sql.types.BinaryType$.class);

    // io.bitswitch.data
    kryo.register(io.bitswitch.data.Shard.class);
    registerRecord(kryo, io.bitswitch.data.Normalization.class);
    registerRecord(kryo, io.bitswitch.data.ImageShape.class);
    kryo.register(io.bitswitch.data.Split.class);
    registerByName(kryo, "io.bitswitch.data.ExampleRecord");
    registerByName(kryo, "io.bitswitch.data.PixelStatistics");
    // training and evaluation
    kryo.register(io.bitswitch.train.PassSums.class);
    registerRecord(kryo, io.bitswitch.train.MultiPrecisionTrainer.Batch.class);
    // sensitivity
    registerRecord(kryo, io.bitswitch.sensitivity.SensitivityAnalysis.ProbeSums.class);
    registerRecord(kryo, io.bitswitch.sensitivity.SensitivityAnalysis.ProbeTotals.class);
    // TreeSum's shuffles: (group, (index, partial sum)) pairs; Tuple2 and Integer are Spark's.
  }

  /** Registers a record with a {@link RecordSerializer}. */
  private static <T extends Record> void registerRecord(Kryo kryo, Class<T> type) {
    kryo.register(type, new RecordSerializer<>(type));
  }

  /** Registers a Scala object so that it deserializes to its single instance. */
  private static <T> void registerScalaObject(Kryo kryo, Class<T> type) {
    kryo.register(type, new ScalaObjectSerializer<>(type));
  }

  /** Registers a package-private class, which this package cannot name in code. */
  private static void registerByName(Kryo kryo, String className) {
    try {
      kryo.register(Class.forName(className, false, kryo.getClassLoader()));
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("Kryo registration: class " + className + " is not on the classpath", e);
    }
  }
}
