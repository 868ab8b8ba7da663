package io.bitswitch.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.data.ImageShape;
import io.bitswitch.data.Normalization;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.sql.types.BinaryType$;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

class SparkSessionsTest {

  @Test
  void recognisesLocalMasters() {
    assertTrue(SparkSessions.isLocal("local"));
    assertTrue(SparkSessions.isLocal("local[2]"));
    assertTrue(SparkSessions.isLocal("local[*]"));
    assertTrue(SparkSessions.isLocal("local[4,2]"));
    assertFalse(SparkSessions.isLocal("spark://127.0.0.1:7077"));
    assertFalse(SparkSessions.isLocal("k8s://https://kubernetes.default"));
    assertFalse(SparkSessions.isLocal(null));
  }

  @Test
  void defaultsUseKryoAndLoopbackForLocalMasters() {
    Map<String, String> local = SparkSessions.defaults("local[2]");
    assertEquals("org.apache.spark.serializer.KryoSerializer", local.get("spark.serializer"));
    assertEquals(BitswitchKryoRegistrator.class.getName(), local.get("spark.kryo.registrator"));
    assertEquals("true", local.get("spark.kryo.registrationRequired"));
    assertEquals("127.0.0.1", local.get("spark.driver.host"));
    assertEquals("127.0.0.1", local.get("spark.driver.bindAddress"));
    assertEquals("false", local.get("spark.ui.enabled"));

    Map<String, String> cluster = SparkSessions.defaults("spark://10.0.0.1:7077");
    assertFalse(cluster.containsKey("spark.driver.host"));
    assertEquals("true", cluster.get("spark.kryo.registrationRequired"));
  }

  @Test
  void keepsTheMasterChosenBySparkSubmit() {
    assertEquals("local[2]", SparkSessions.conf("local[2]", "t", Map.of()).get("spark.master"));
    assertEquals(SparkSessions.DEFAULT_MASTER, SparkSessions.conf(null, "t", Map.of()).get("spark.master"));
    String before = System.getProperty(SparkSessions.SUBMIT_MASTER_PROPERTY);
    System.setProperty(SparkSessions.SUBMIT_MASTER_PROPERTY, "spark://127.0.0.1:7077");
    try {
      SparkConf conf = SparkSessions.conf("local[2]", "t", Map.of("spark.ui.enabled", "true"));
      assertEquals("spark://127.0.0.1:7077", conf.get("spark.master"));
      assertFalse(conf.contains("spark.driver.host"));
      assertEquals("true", conf.get("spark.ui.enabled"));
    } finally {
      if (before == null) {
        System.clearProperty(SparkSessions.SUBMIT_MASTER_PROPERTY);
      } else {
        System.setProperty(SparkSessions.SUBMIT_MASTER_PROPERTY, before);
      }
    }
  }

  /** The classes executors exchange survive Kryo with registration required. */
  @Test
  void kryoRoundTripsDataClasses() {
    SparkConf conf = new SparkConf();
    SparkSessions.defaults("local").forEach(conf::set);
    SerializerInstance kryo = new KryoSerializer(conf).newInstance();

    Shard shard = new Shard(3, new ImageShape(1, 2, 2), new float[] {1, 2, 3, 4, 5, 6, 7, 8},
        new int[] {4, 9}, new long[] {10, 11});
    Shard back = roundTrip(kryo, shard, Shard.class);
    assertNotSame(shard, back);
    assertEquals(3, back.partition());
    assertEquals(2, back.count());
    assertEquals(new ImageShape(1, 2, 2), back.shape());
    assertArrayEquals(shard.pixels(), back.pixels());
    assertArrayEquals(shard.labels(), back.labels());
    assertArrayEquals(shard.index(), back.index());

    Normalization norm = new Normalization(0.286f, 0.353f);
    assertEquals(norm, roundTrip(kryo, norm, Normalization.class));
    assertEquals(new ImageShape(3, 32, 32), roundTrip(kryo, new ImageShape(3, 32, 32), ImageShape.class));
    assertEquals(Split.TEST, roundTrip(kryo, Split.TEST, Split.class));
    assertArrayEquals(new double[] {1.5, -2}, roundTrip(kryo, new double[] {1.5, -2}, double[].class));
    assertSame(BinaryType$.MODULE$, roundTrip(kryo, BinaryType$.MODULE$, BinaryType$.class));
    io.bitswitch.sensitivity.SensitivityAnalysis.ProbeSums sums =
        new io.bitswitch.sensitivity.SensitivityAnalysis.ProbeSums(new float[] {1, -2}, new float[] {3, 4}, 7);
    io.bitswitch.sensitivity.SensitivityAnalysis.ProbeSums sumsBack =
        roundTrip(kryo, sums, io.bitswitch.sensitivity.SensitivityAnalysis.ProbeSums.class);
    assertArrayEquals(sums.plus(), sumsBack.plus());
    assertArrayEquals(sums.minus(), sumsBack.minus());
    assertEquals(7, sumsBack.examples());
  }

  private static <T> T roundTrip(SerializerInstance ser, T value, Class<T> type) {
    ByteBuffer bytes = ser.serialize(value, ClassTag$.MODULE$.apply(type));
    return ser.deserialize(bytes, ClassTag$.MODULE$.apply(type));
  }
}
