package io.bitswitch.cli;

import io.bitswitch.bundle.Bundle;

import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.Architecture;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.cli.config.MetricsOptions;
import io.bitswitch.cli.config.DistillMode;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.store.HistoryCsv;
import io.bitswitch.store.RunFiles;
import io.bitswitch.train.Distillation;
import io.bitswitch.train.StageOutcome;
import io.bitswitch.train.StageSetup;
import io.bitswitch.train.TrainOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * What the training commands ({@code pretrain}, {@code train}, {@code evaluate}, {@code demo})
 * share: the translation of the configuration into the inputs of the stages ({@link StageSetup}), the run
 * directory layout, and the report.
 *
 * <p>A run directory {@code <out>/<run-id>} holds {@value #BUNDLE_DIR}/ (the bundle the command
 * published), {@value #REPORT_FILE} ({@code {"accuracy": {"8": 0.91, ...}, ...}}, the shape that
 * {@code evaluate --json} writes too), {@value #REPORT_MD_FILE}, {@value #CONFIG_FILE} (the
 * effective configuration), {@value #HISTORY_FILE} (one row per training step) and
 * {@code report.html} (the same numbers with plots, {@link RunReportHtml}).
 */
final class Runs {
  static final String BUNDLE_DIR = "bundle";
  static final String REPORT_FILE = "report.json";
  static final String REPORT_MD_FILE = "report.md";
  static final String HISTORY_FILE = "history.csv";
  static final String CONFIG_FILE = "config.conf";

  private Runs() {}

  /** {@code <outRoot>/<runId>}, for any Hadoop file system URI or local path. */
  /** The run's resumable training state (checkpoints). */
  static final String STATE_DIR = "state";

  static String runDir(String outRoot, String runId) {
    return new org.apache.hadoop.fs.Path(outRoot, runId).toString();
  }

  /** {@code <dir>/<name>}. */
  static String child(String dir, String name) {
    return new org.apache.hadoop.fs.Path(dir, name).toString();
  }

  /**
   * Refuses settings that the training stages of this build do not act on, rather than ignoring
   * them: quantized first/last layers.
   */
  static void requireSupported(BitswitchConfig config) {
    List<String> unsupported = new ArrayList<>();
    if (config.model().quantizeFirstLast()) {
      unsupported.add("bitswitch.model.quantize-first-last = true");
    }
    if (!unsupported.isEmpty()) {
      throw new InvalidInputException("not supported by the training stages of this build: "
          + String.join(", ", unsupported) + "; remove these settings");
    }
  }

  /**
   * Starts the job's metrics ({@code bitswitch.metrics}): the live endpoint on every interface at
   * {@code port} unless it is 0, since Prometheus scrapes the driver from another host (the
   * PodMonitor on Kubernetes), and the final push to {@code pushgateway} when it is set. Close it at
   * the end of the job; call {@link JobMetrics#succeeded()} first when the job succeeded.
   */
  static JobMetrics startMetrics(BitswitchConfig config) {
    MetricsOptions m = config.metrics();
    InetSocketAddress listen = m.httpEnabled() ? new InetSocketAddress(m.port()) : null;
    return JobMetrics.start(new JobMetrics.Settings(m.job(), BitswitchCli.version(), listen, m.pushgateway()));
  }

  /** The model and data of a stage. */
  static StageSetup setup(BitswitchConfig config, String dataUri) {
    String customJson = "";
    if (config.model().architecture() == Architecture.CUSTOM) {
      Path file = Path.of(config.model().customConfig().orElseThrow());
      try {
        customJson = Files.readString(file);
      } catch (IOException e) {
        throw new InvalidInputException("bitswitch.model.config: cannot read the DL4J configuration " + file + ": "
            + e.getMessage());
      }
    }
    return new StageSetup(config.model().architecture().configName(), customJson, config.seed(), dataUri,
        config.data().partitions(), config.data().maxTrainExamples(), config.data().maxTestExamples(),
        config.evaluate().batchSize(), config.model().init().init());
  }

  /** FP32 training: {@code bitswitch.pretrain}, with the BatchNorm and logging settings of {@code train}. */
  static TrainOptions pretrainOptions(BitswitchConfig config) {
    var p = config.pretrain();
    var t = config.train();
    return TrainOptions.floatingPoint(p.epochs(), p.batchSize(), p.learningRate(), p.weightDecay(),
        t.bnMomentum(), config.seed(), t.logEvery());
  }

  /** Joint multi-precision training: {@code bitswitch.train}. */
  static TrainOptions trainOptions(BitswitchConfig config) {
    var t = config.train();
    Distillation distillation = t.distill() == DistillMode.INPLACE
        ? new Distillation(t.distillWeight(), t.distillTemperature()) : Distillation.NONE;
    return new TrainOptions(t.epochs(), t.batchSize(), t.learningRate(), t.weightDecay(), t.alrs(),
        t.updateMode().mode(), t.scaleParam().parameterisation(), distillation, t.bnMomentum(), config.seed(),
        t.logEvery());
  }

  /**
   * The report of a run: {@code accuracy} first, then {@code fields}, then the conventions the
   * numbers were measured under.
   */
  static Map<String, Object> report(Map<String, Double> accuracy, Map<String, Object> fields, BitswitchConfig config) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("accuracy", accuracy);
    report.putAll(fields);
    report.put("seed", config.seed());
    report.put("quantize_first_last", config.model().quantizeFirstLast());
    report.put("update_mode", config.train().updateMode().configName());
    report.put("alrs", config.train().alrs());
    report.put("scale_param", config.train().scaleParam().configName());
    report.put("distill", config.train().distill().configName());
    report.put("weight_init", config.model().init().configName());
    return report;
  }

  /**
   * Writes {@link #REPORT_FILE}, {@link #REPORT_MD_FILE}, {@link #CONFIG_FILE} (the effective
   * configuration, which {@code --config} reproduces the run with), when there was training
   * {@link #HISTORY_FILE}, and last {@link RunReportHtml#FILE} (the page with the plots) into
   * {@code runDir}.
   */
  static void writeRunFiles(String runDir, Map<String, Object> report, StageOutcome outcome, BitswitchConfig config,
      Configuration conf) {
    RunFiles.writeJson(child(runDir, REPORT_FILE), report, conf);
    RunFiles.writeText(child(runDir, REPORT_MD_FILE), markdown(report), conf);
    RunFiles.writeText(child(runDir, CONFIG_FILE), config.toHocon(), conf);
    if (outcome != null) {
      HistoryCsv.write(outcome.history(), child(runDir, HISTORY_FILE), conf);
    }
    RunReportHtml.write(child(runDir, RunReportHtml.FILE), report, outcome == null ? List.of() : outcome.history(),
        conf);
  }

  /**
   * Sizes of a published bundle for the report: the stored file's tensor bytes, what the same
   * model takes in FP32, and the deployed size of each bit-width derived from it.
   */
  static Map<String, Object> sizes(Bundle bundle) {
    Map<String, Object> sizes = new LinkedHashMap<>();
    sizes.put("bundle_bytes", bundle.sizeBytes());
    sizes.put("fp32_model_bytes", bundle.fp32SizeBytes());
    if (!bundle.manifest().fp32()) {
      Map<String, Long> deployed = new LinkedHashMap<>();
      for (int b : bundle.manifest().bits()) {
        deployed.put(Integer.toString(b), (bundle.switchTo(b).deployedSizeBits() + 7) / 8);
      }
      sizes.put("deployed_bytes", deployed);
    }
    return sizes;
  }

  /** {@code report.md}: the accuracy table (with deployed sizes when known) and the other fields. */
  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> report) {
    StringBuilder md = new StringBuilder("# bitswitch run report\n\n");
    Map<String, Double> accuracy = (Map<String, Double>) report.get("accuracy");
    Map<String, Object> sizes = (Map<String, Object>) report.get("sizes");
    Map<String, Long> deployed = sizes == null ? Map.of() : (Map<String, Long>) sizes.getOrDefault("deployed_bytes", Map.of());
    long fp32 = sizes == null ? 0 : ((Number) sizes.get("fp32_model_bytes")).longValue();
    md.append("| bits | test accuracy | deployed size (bytes) | vs FP32 |\n|---|---|---|---|\n");
    accuracy.forEach((b, a) -> {
      Long size = b.equals("32") ? (fp32 > 0 ? fp32 : null) : deployed.get(b);
      md.append(String.format(Locale.ROOT, "| %s | %.2f %% | %s | %s |%n", b.equals("32") ? "FP32" : b, 100 * a,
          size == null ? "" : size.toString(),
          size == null || fp32 == 0 ? "" : String.format(Locale.ROOT, "%.1f %%", 100.0 * size / fp32)));
    });
    md.append("\n");
    report.forEach((k, v) -> {
      if (!k.equals("accuracy")) {
        md.append("- ").append(k).append(": ").append(v instanceof int[] a ? java.util.Arrays.toString(a) : v).append('\n');
      }
    });
    return md.toString();
  }

  /** Whether a file exists (any Hadoop file system). */
  static boolean exists(String uri, Configuration conf) {
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
      return p.getFileSystem(conf).exists(p);
    } catch (IOException e) {
      throw new io.bitswitch.BitswitchException("cannot check " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Whether a finished run's report says its quality gates failed. */
  static boolean gatesFailed(String runDir, Configuration conf) {
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(child(runDir, REPORT_FILE));
      try (java.io.InputStream in = p.getFileSystem(conf).open(p)) {
        com.fasterxml.jackson.databind.JsonNode gates = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).get("gates");
        return gates != null && !gates.get("passed").asBoolean();
      }
    } catch (IOException e) {
      throw new io.bitswitch.CorruptDataException("cannot read " + child(runDir, REPORT_FILE) + ": " + e.getMessage(), e);
    }
  }

  /**
   * The single-precision baselines of a report: for each finished run directory, the accuracy of
   * the one bit-width it trained, keyed by that bit-width (shown next to a multi-precision run's
   * accuracies in its report and plots).
   *
   * @throws io.bitswitch.InvalidInputException when a run has no report or trained more than one
   *     bit-width
   */
  static Map<String, Double> singlePrecisionBaselines(List<String> runDirs, Configuration conf) {
    Map<String, Double> baselines = new java.util.TreeMap<>(java.util.Comparator.comparing((String b) -> Integer.valueOf(b)).reversed());
    for (String dir : runDirs) {
      String report = child(dir, REPORT_FILE);
      if (!exists(report, conf)) {
        throw new io.bitswitch.InvalidInputException("--baseline " + dir + " has no " + REPORT_FILE
            + "; name the directory of a finished single-precision train run");
      }
      com.fasterxml.jackson.databind.JsonNode accuracy;
      try {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(report);
        try (java.io.InputStream in = p.getFileSystem(conf).open(p)) {
          accuracy = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).path("accuracy");
        }
      } catch (IOException e) {
        throw new io.bitswitch.CorruptDataException("cannot read " + report + ": " + e.getMessage(), e);
      }
      List<String> bits = new java.util.ArrayList<>();
      accuracy.fieldNames().forEachRemaining(b -> {
        if (!b.equals("32")) {
          bits.add(b);
        }
      });
      if (bits.size() != 1 || !accuracy.get(bits.get(0)).isNumber()) {
        throw new io.bitswitch.InvalidInputException("--baseline " + dir + " reports accuracies at bits " + bits
            + "; a baseline is a run trained at one bit-width (train.bits=[b])");
      }
      baselines.put(bits.get(0), accuracy.get(bits.get(0)).asDouble());
    }
    return baselines;
  }

  /** Prints accuracies as a two-column table: bit-width, percentage. */
  static void printAccuracy(PrintWriter out, Map<String, Double> accuracy) {
    out.println("bits  accuracy");
    accuracy.forEach((b, a) -> out.printf(Locale.ROOT, "%4s  %7.2f%%%n", b, 100 * a));
  }
}
