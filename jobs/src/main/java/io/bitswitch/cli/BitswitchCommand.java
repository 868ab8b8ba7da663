package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.spark.SparkSessions;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.spark.scheduler.ExternalClusterManager;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every command: the common options and configuration loading. Common options that a
 * command does not use are removed from it (see {@link #unusedCommonOptions()}), so they are
 * neither listed in its help nor silently ignored when given.
 */
public abstract class BitswitchCommand implements Callable<Integer> {
  /** The options every command takes. */
  @Mixin protected CommonOptions common;

  /** This command's picocli model, for its name, output stream and parse result. */
  @Spec protected CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    return run(common.loadConfig());
  }

  /**
   * Does the command's work.
   *
   * @param config the validated configuration
   * @return the exit code (0 for success)
   */
  protected abstract int run(BitswitchConfig config) throws Exception;

  /**
   * Common options this command has no use for; {@link BitswitchCli#newCommandLine()} removes them
   * from the command, so giving one is an unknown-option error.
   */
  protected List<String> unusedCommonOptions() {
    return List.of();
  }

  /** The master URLs Spark itself parses; others need a cluster manager on the class path (yarn, k8s://). */
  private static final Pattern BUILT_IN_MASTER =
      Pattern.compile("local|local\\[[^\\]]+\\]|local-cluster\\[[^\\]]+\\]|spark://.+");

  /**
   * Starts the Spark session of this command on {@code --master} ({@link CommonOptions#sparkMaster()},
   * {@link SparkSessions#create}). A master URL that Spark cannot use is refused before Spark
   * starts, since a failed start logs Spark's stack dump; any other failure to start is one line too.
   *
   * @throws InvalidInputException "cannot start Spark with master URL: ..."
   */
  protected SparkSession startSpark(String appName) {
    String master = SparkSessions.conf(common.sparkMaster(), appName, Map.of()).get("spark.master");
    if (!BUILT_IN_MASTER.matcher(master).matches() && !hasClusterManagerFor(master)) {
      throw new InvalidInputException("cannot start Spark with master " + master
          + ": not a master URL Spark knows (local[N], spark://host:port, k8s://https://host:port, yarn)");
    }
    try {
      return SparkSessions.create(common.sparkMaster(), appName, Map.of());
    } catch (RuntimeException e) {
      throw new InvalidInputException("cannot start Spark with master " + master + ": "
          + Failures.chainMessage(e));
    }
  }

  private static boolean hasClusterManagerFor(String master) {
    try {
      for (ExternalClusterManager manager : ServiceLoader.load(ExternalClusterManager.class,
          Thread.currentThread().getContextClassLoader())) {
        if (manager.canCreate(master)) {
          return true;
        }
      }
    } catch (java.util.ServiceConfigurationError e) {
      return true; // cannot tell: let Spark decide
    }
    return false;
  }

  /** Standard output of this command (the picocli command line's, so tests can capture it). */
  protected PrintWriter stdout() {
    return spec.commandLine().getOut();
  }

  /** Standard error of this command (the picocli command line's): messages beside progress output. */
  protected PrintWriter stderr() {
    return spec.commandLine().getErr();
  }
}
