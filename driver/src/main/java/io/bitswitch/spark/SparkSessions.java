package io.bitswitch.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the {@link SparkSession} every bitswitch command runs in: Kryo with the project's
 * registrator and registration required (an unregistered class is a bug to catch in tests, not a
 * silent slowdown), and for local masters a loopback-only driver without the web UI.
 */
public final class SparkSessions {
  /** System property that spark-submit sets; when present the master given here is ignored. */
  public static final String SUBMIT_MASTER_PROPERTY = "spark.master";
  /** Master used when none is given and the job is not under spark-submit. */
  public static final String DEFAULT_MASTER = "local[*]";

  private SparkSessions() {}

  /**
   * Creates (or returns the active) session.
   *
   * @param master Spark master URL, e.g. {@code local[2]} or {@code spark://host:7077}, or null
   *     for {@value #DEFAULT_MASTER}; ignored when running under spark-submit, which has already
   *     chosen the master
   * @param appName application name shown by the cluster manager
   * @param extraConf further settings, applied last so they override the defaults set here
   */
  public static SparkSession create(String master, String appName, Map<String, String> extraConf) {
    return SparkSession.builder().config(conf(master, appName, extraConf)).getOrCreate();
  }

  /** The configuration {@link #create} starts a session with (also reads spark.* system properties). */
  public static SparkConf conf(String master, String appName, Map<String, String> extraConf) {
    String submitMaster = System.getProperty(SUBMIT_MASTER_PROPERTY);
    String effectiveMaster = submitMaster != null ? submitMaster : master != null ? master : DEFAULT_MASTER;
    Map<String, String> conf = defaults(effectiveMaster);
    if (extraConf != null) {
      conf.putAll(extraConf);
    }
    // new SparkConf() picks up spark-submit's system properties, the master among them.
    SparkConf sparkConf = new SparkConf().setAppName(appName);
    if (submitMaster == null) {
      sparkConf.setMaster(effectiveMaster);
    }
    conf.forEach(sparkConf::set);
    return sparkConf;
  }

  /**
   * The settings {@link #create} applies before {@code extraConf} for the given master, in a
   * mutable map.
   */
  public static Map<String, String> defaults(String master) {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    conf.put("spark.kryo.registrator", BitswitchKryoRegistrator.class.getName());
    conf.put("spark.kryo.registrationRequired", "true");
    // A round's per-partition gradient (1.9 MB for fmnist-cnn) goes back in the task's status
    // message instead of through the block manager (default limit 1 MB): about 10 ms less per
    // round in local[2] (docs/PERFORMANCE.md). Spark caps it at spark.rpc.message.maxSize.
    conf.put("spark.task.maxDirectResultSize", "64m");
    if (isLocal(master)) {
      // Tests and laptops: never listen on a routable interface, and skip the UI's port and threads.
      conf.put("spark.driver.host", "127.0.0.1");
      conf.put("spark.driver.bindAddress", "127.0.0.1");
      conf.put("spark.ui.enabled", "false");
    }
    return conf;
  }

  /**
   * Whether {@code master} runs the executors inside the driver's JVM: {@code local},
   * {@code local[N]}, {@code local[*]} or {@code local[N,F]}.
   */
  public static boolean isLocal(String master) {
    if (master == null) {
      return false;
    }
    String m = master.trim();
    return m.equals("local") || m.startsWith("local[");
  }
}
