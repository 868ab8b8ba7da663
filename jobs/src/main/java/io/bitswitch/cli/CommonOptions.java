package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.BitswitchConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** The options every command takes (a picocli mixin). */
public final class CommonOptions {
  /** Where the Debian package {@code dataset-fashion-mnist} puts Fashion-MNIST; the demo's data. */
  public static final String DEFAULT_DATASET_DIR = "/usr/share/datasets/fashion-mnist";
  /** The Spark master when neither {@code --master} nor spark-submit names one. */
  public static final String LOCAL_MASTER = "local[*]";

  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final DateTimeFormatter RUN_ID_FORMAT =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON file overriding the defaults of conf/bitswitch.conf (keys inside bitswitch { ... }).")
  private Path configFile;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one configuration key, with or without the 'bitswitch.' prefix; the value is HOCON, "
          + "e.g. --set train.bits=[8,4] --set train.alrs=false. Repeatable; later ones win.")
  private List<String> sets = new ArrayList<>();

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master URL. Default: the one spark-submit set, else " + LOCAL_MASTER + ".")
  private String master;

  @Option(names = "--data", paramLabel = "URI",
      description = "Dataset: a directory of IDX(.gz) or CSV files, or the Parquet output of ingest "
          + "(file:, hdfs:, s3a:). Commands that train or evaluate default to " + DEFAULT_DATASET_DIR + ".")
  private String data;

  @Option(names = "--out", paramLabel = "URI", description = "Where the command writes its output (file:, hdfs:, s3a:).")
  private String out;

  @Option(names = "--run-id", paramLabel = "ID",
      description = "Name of the run directory under --out (letters, digits, '.', '_', '-'). Default: a UTC timestamp.")
  private String runId;

  /** Loads and validates the configuration from the reference, {@code --config} and {@code --set}. */
  public BitswitchConfig loadConfig() {
    return BitswitchConfig.load(Optional.ofNullable(configFile), sets);
  }

  /**
   * The Spark master: {@code --master} if given, else the {@code spark.master} system property that
   * spark-submit sets, else {@value #LOCAL_MASTER}.
   */
  public String sparkMaster() {
    if (master != null) {
      return master;
    }
    return Optional.ofNullable(System.getProperty("spark.master")).orElse(LOCAL_MASTER);
  }

  /** {@code --data} as given. */
  public Optional<String> data() {
    return Optional.ofNullable(data);
  }

  /** {@code --data}, or {@value #DEFAULT_DATASET_DIR} when absent. */
  public String dataOrDefault() {
    return data().orElse(DEFAULT_DATASET_DIR);
  }

  /** {@code --data}, which this command cannot do without. */
  public String requireData(String what) {
    return data().orElseThrow(() -> new InvalidInputException("--data is required: " + what));
  }

  /** {@code --out} as given. */
  public Optional<String> out() {
    return Optional.ofNullable(out);
  }

  /** {@code --out}, which this command cannot do without. */
  public String requireOut(String what) {
    return out().orElseThrow(() -> new InvalidInputException("--out is required: " + what));
  }

  /** {@code --run-id} as given, checked. */
  public Optional<String> runId() {
    if (runId != null && !RUN_ID.matcher(runId).matches()) {
      throw new InvalidInputException("--run-id '" + runId
          + "' is not a run id: use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return Optional.ofNullable(runId);
  }

  /** {@code --run-id}, or a new one from the clock's UTC time ({@code 20250131-235959-123}). */
  public String runIdOrNew(Clock clock) {
    return runId().orElseGet(() -> RUN_ID_FORMAT.format(clock.instant()));
  }
}
