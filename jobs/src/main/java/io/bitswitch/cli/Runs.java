package io.bitswitch.cli;

import io.bitswitch.bundle.Bundle;

import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.Architecture;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.cli.config.MetricsOptions;
import io.bitswitch.cli.config.DistillMode;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.report.Conventions;
import io.bitswitch.report.LayerTrace;
import io.bitswitch.report.RunReport;
import io.bitswitch.report.RunReportMarkdown;
import io.bitswitch.report.RunReportPage;
import io.bitswitch.report.Sizes;
import io.bitswitch.sensitivity.LayerTraces;
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
 * {@code report.html} (the same numbers with plots, {@link RunReportPage}); all four from one
 * {@link RunReport}.
 */
final class Runs {
  static final String BUNDLE_DIR = "bundle";
  static final String REPORT_FILE = "report.json";
  static final String REPORT_MD_FILE = RunReportMarkdown.FILE;
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
   *
   * @param command the CLI command that runs the job ({@code train}, {@code evaluate}, ...): the
   *     push's {@code command} grouping key, so that one command's push never replaces another's
   *     series of the same {@code job}
   */
  static JobMetrics startMetrics(BitswitchConfig config, String command) {
    MetricsOptions m = config.metrics();
    InetSocketAddress listen = m.httpEnabled() ? new InetSocketAddress(m.port()) : null;
    return JobMetrics.start(new JobMetrics.Settings(m.job(), command, BitswitchCli.version(), listen,
        m.pushgateway()));
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
        t.bnMomentum(), config.seed(), t.logEvery()).withAugmentation(config.data().augment().augmentation());
  }

  /** Joint multi-precision training: {@code bitswitch.train}. */
  static TrainOptions trainOptions(BitswitchConfig config) {
    var t = config.train();
    Distillation distillation = t.distill() == DistillMode.INPLACE
        ? new Distillation(t.distillWeight(), t.distillTemperature()) : Distillation.NONE;
    return new TrainOptions(t.epochs(), t.batchSize(), t.learningRate(), t.warmupSteps(), t.weightDecay(),
        t.alrs(), t.scaleParam().parameterisation(), distillation, t.bnMomentum(), config.seed(),
        t.logEvery(), config.data().augment().augmentation());
  }

  /**
   * The report of a run: {@code accuracy} first, then {@code fields}, then the conventions the
   * numbers were measured under.
   */
  static RunReport report(Map<String, Double> accuracy, RunReport.Fields fields, BitswitchConfig config) {
    var t = config.train();
    return new RunReport(accuracy, fields.values(), new Conventions(config.seed(), config.model().quantizeFirstLast(),
        t.updateMode().configName(), t.warmupSteps(), t.alrs(), t.scaleParam().configName(),
        t.distill().configName(), config.model().init().configName()));
  }

  /**
   * The report of an FP32 pretraining run: as {@link #report}, but with only the conventions that
   * apply to it (seed and weight initialisation; the quantization and joint-training ones do not).
   */
  static RunReport pretrainReport(Map<String, Double> accuracy, RunReport.Fields fields, BitswitchConfig config) {
    return new RunReport(accuracy, fields.values(), new Conventions(config.seed(), null, null, null, null, null,
        null, config.model().init().configName()));
  }

  /**
   * Writes {@link #REPORT_MD_FILE}, {@link #CONFIG_FILE} (the effective configuration, which
   * {@code --config} reproduces the run with), when there was training {@link #HISTORY_FILE},
   * {@link RunReportPage#FILE} (the page with the plots), and last {@link #REPORT_FILE} into
   * {@code runDir}, each atomically. {@link #REPORT_FILE} commits the run files, as the manifest
   * commits a bundle: when it exists, the others are complete (docs/design/architecture.md §5,
   * "Finishing a run").
   */
  static void writeRunFiles(String runDir, RunReport report, StageOutcome outcome, BitswitchConfig config,
      Configuration conf) {
    RunFiles.writeText(child(runDir, REPORT_MD_FILE), RunReportMarkdown.render(report), conf);
    RunFiles.writeText(child(runDir, CONFIG_FILE), config.toHocon(), conf);
    if (outcome != null) {
      HistoryCsv.write(outcome.history(), child(runDir, HISTORY_FILE), conf);
    }
    RunFiles.writeText(child(runDir, RunReportPage.FILE),
        RunReportPage.render(report, outcome == null ? List.of() : outcome.history()), conf);
    RunFiles.writeJson(child(runDir, REPORT_FILE), report.toJson(), conf);
  }

  /**
   * Sizes of a published bundle for the report: the stored file's tensor bytes, what the same
   * model takes in FP32, and the deployed size of each bit-width derived from it.
   */
  static Sizes sizes(Bundle bundle) {
    Map<String, Long> deployed = null;
    if (!bundle.manifest().fp32()) {
      deployed = new LinkedHashMap<>();
      for (int b : bundle.manifest().bits()) {
        deployed.put(Integer.toString(b), (bundle.switchTo(b).deployedSizeBits() + 7) / 8);
      }
    }
    return new Sizes(bundle.sizeBytes(), bundle.fp32SizeBytes(), deployed);
  }

  /** The per-layer traces of a sensitivity result, as the report holds them. */
  static List<LayerTrace> layerTraces(LayerTraces traces) {
    return traces.layers().stream().map(t -> new LayerTrace(t.name(), t.sensitivity(), t.params(), t.trace(),
        t.tracePerParam(), t.stdError(), t.probes(), traces.samples())).toList();
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
    com.fasterxml.jackson.databind.JsonNode gates = readReport(runDir, conf).get("gates");
    return gates != null && !gates.get("passed").asBoolean();
  }

  /** The run id a finished run's report says {@code latest} named when the run started; "" for none. */
  static String previousLatest(String runDir, Configuration conf) {
    return readReport(runDir, conf).path("previous_latest").asText("");
  }

  private static com.fasterxml.jackson.databind.JsonNode readReport(String runDir, Configuration conf) {
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(child(runDir, REPORT_FILE));
      try (java.io.InputStream in = p.getFileSystem(conf).open(p)) {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
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
