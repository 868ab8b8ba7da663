package io.bitswitch.cli;

import io.bitswitch.report.ScaleDrift;
import io.bitswitch.report.RunReport;
import io.bitswitch.report.Gates;
import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.cli.config.ConfigChanges;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.store.BundleStore;
import io.bitswitch.store.CheckpointStore;
import io.bitswitch.store.Pointer;
import io.bitswitch.store.RunFiles;
import io.bitswitch.store.RunLock;
import io.bitswitch.train.MetricsListener;
import io.bitswitch.train.Checkpointing;
import io.bitswitch.train.QualityGates;
import io.bitswitch.train.StageContext;
import io.bitswitch.train.StageOutcome;
import io.bitswitch.train.TrainStage;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch train}: one-shot joint multi-precision quantization-aware training. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "One-shot joint multi-precision QAT (Double Rounding + ALRS) over bitswitch.train.bits, "
        + "from a pretrained bundle or from scratch; writes <out>/<run-id>/bundle (INT-h), report.json, history.csv "
        + "and config.conf, and prints the run directory.",
    footerHeading = "%nExample:%n", footer = "  bitswitch train --init runs/fp32/bundle --out runs --set train.bits=[8,6,4,2]")
public final class TrainCommand extends BitswitchCommand {
  /** Where the initial weights come from; at most one. */
  static final class Start {
    @Option(names = "--init", paramLabel = "BUNDLE",
        description = "Start from this FP32 bundle's weights (the output of pretrain). Default: from scratch.")
    String initBundle;

    @Option(names = "--warm-start", paramLabel = "latest|BUNDLE",
        description = "Start from a previously published multi-precision bundle: 'latest' (the latest pointer "
            + "under --out) or a bundle directory.")
    String warmStart;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  private Start start;

  /** How a rerun of a run id continues; at most one. */
  static final class Continuation {
    @Option(names = "--resume",
        description = "Continue run --run-id from its newest committed checkpoint under <out>/<run-id>/state.")
    boolean resume;

    @Option(names = "--resume-if-unfinished",
        description = "For retries: resume run --run-id when it has checkpoints but no report.json, finish it when "
            + "its bundle is published without report, do nothing when it is complete (exit 0, or 3 when its gates "
            + "failed), and start it when it does not exist.")
    boolean ifUnfinished;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  private Continuation continuation;

  @Option(names = "--keep-runs", paramLabel = "N",
      description = "After a successful run, delete the oldest run directories under --out beyond the newest N "
          + "(never the one 'latest' names, one being written, or a directory that is not a bitswitch run).")
  private Integer keepRuns;

  @Option(names = "--baseline", paramLabel = "RUN_DIR",
      description = "A finished single-precision train run whose accuracy the report and its plot show as the "
          + "single-precision baseline of that bit-width. Repeatable.")
  private List<String> baselines = new ArrayList<>();

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String data = common.dataOrDefault();
    String out = common.requireOut("the directory that holds run directories, e.g. runs or hdfs:///bitswitch/runs");
    boolean resumeAsked = continuation != null && continuation.resume;
    boolean resumeIfUnfinished = continuation != null && continuation.ifUnfinished;
    if (resumeAsked && common.runId().isEmpty()) {
      throw new InvalidInputException("--resume needs --run-id: the run whose checkpoints to continue from");
    }
    if (keepRuns != null && keepRuns < 1) {
      throw new InvalidInputException("--keep-runs " + keepRuns + ": keep at least 1 run (the new one)");
    }
    String runId = common.runIdOrNew(Clock.systemUTC());
    String runDir = Runs.runDir(out, runId);
    Runs.requireSupported(config);
    try (JobMetrics metrics = Runs.startMetrics(config, spec.name());
        SparkSession spark = startSpark("bitswitch train")) {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      io.bitswitch.spark.TaskRetryListener.register(spark.sparkContext(), metrics::taskRetried);
      // One writer per run id: a second train on it is refused, a dead one's lock taken over
      // (docs/design/architecture.md §5, "Lock").
      // SIGTERM (a CronJob past its deadline) releases the lock too, so a retry need not wait for it to go stale.
      try (RunLock lock = RunLock.acquire(runDir, Duration.ofSeconds(config.train().lockTimeoutSeconds()), hadoop);
          Interruption.Registration release = Interruption.onInterrupt(lock::close)) {
        Map<String, Double> singlePrecision = Runs.singlePrecisionBaselines(baselines, hadoop);
        String bundleDir = Runs.child(runDir, Runs.BUNDLE_DIR);
        Optional<String> latest = Pointer.readLatest(out, hadoop);
        boolean published = BundleStore.exists(bundleDir, hadoop);
        if (published && Runs.exists(Runs.child(runDir, Runs.REPORT_FILE), hadoop)) {
          // A rerun of a finished run id only completes what is missing: scheduled jobs may retry.
          return pruneAfterSuccess(finishComplete(out, runId, runDir, hadoop, metrics), out, runId, config, hadoop);
        }
        boolean resume = resumeAsked;
        if (!published && resumeIfUnfinished) {
          Optional<CheckpointStore.Checkpoint> newest =
              CheckpointStore.latest(Runs.child(runDir, Runs.STATE_DIR), hadoop);
          resume = newest.isPresent();
          stderr().println("run " + runId + (resume ? " is unfinished (newest checkpoint: step " + newest.get().step()
              + "); resuming it" : " has no checkpoint; starting it"));
        }
        if (!published) {
          requireCheckpointsMatch(runId, runDir, resume, hadoop);
        }
        recordOrCheckSettings(runId, runDir, config, resume || published, hadoop);
        String init = start == null ? null : start.initBundle;
        if (start != null && start.warmStart != null) {
          init = start.warmStart.equals(Pointer.LATEST)
              ? Runs.child(Runs.runDir(out, latest.orElseThrow(() -> new InvalidInputException(
                  "--warm-start latest: no 'latest' pointer under " + out + " (no run has been published yet)"))),
                  Runs.BUNDLE_DIR)
              : start.warmStart;
        }
        Map<String, Double> previous = latest.isPresent()
            ? BundleStore.read(Runs.child(Runs.runDir(out, latest.get()), Runs.BUNDLE_DIR), hadoop).manifest().accuracy()
            : Map.of();
        // Progress goes to stderr: stdout carries only the run directory, for scripts.
        Checkpointing checkpointing = new Checkpointing(Runs.child(runDir, Runs.STATE_DIR),
            config.train().checkpointEvery(), resume);
        StageContext ctx = new StageContext(spark, Runs.setup(config, data), System.err, MetricsListener.of(metrics));
        StageOutcome outcome;
        if (published) {
          // Killed between publishing and the run files: the bundle is the training's result, so
          // finish from it instead of training again (docs/design/architecture.md §5, "Finishing a run").
          stderr().println("run " + runId + ": bundle published but " + Runs.REPORT_FILE
              + " missing; finishing from the published bundle without training");
          outcome = TrainStage.evaluatePublished(ctx, config.train().bits(), bundleDir);
        } else {
          outcome = TrainStage.run(ctx, Runs.trainOptions(config), config.train().bits(), init, bundleDir,
              checkpointing);
        }
        metrics.recordAccuracy(outcome.accuracy());
        QualityGates.Result gates = QualityGates.check(outcome.accuracy(), config.gates().minAccuracy(), previous,
            config.gates().maxRegression());
        metrics.gatesChecked(gates.passed());
        RunReport.Fields fields = new RunReport.Fields().stage("train").sizes(Runs.sizes(outcome.bundle()))
            .bits(config.train().bits().descending()).init(init == null ? "scratch" : init)
            .previousLatest(latest.orElse("")).gates(reportGates(gates)).latestMoved(gates.passed())
            .trainExamples(outcome.trainExamples());
        if (published) {
          fields.put(RECOVERED, recoveredParts());
        } else {
          fields.seconds(outcome.seconds()).scaleDrift(ScaleDrift.of(outcome.scaleDrift()));
        }
        if (!singlePrecision.isEmpty()) {
          fields.singlePrecisionBaselines(singlePrecision);
        }
        Runs.writeRunFiles(runDir, Runs.report(outcome.accuracy(), fields, config), outcome, config, hadoop);
        if (gates.passed()) {
          Pointer.writeLatest(out, runId, hadoop);
          // A run that failed its gates is not a success: the last-success timestamp keeps alerting.
          metrics.succeeded();
          pruneAfterSuccess(0, out, runId, config, hadoop);
        } else {
          stderr().println("bitswitch: quality gates failed, 'latest' stays at "
              + latest.orElse("(none)") + ": " + gates.failures());
          stdout().println(runDir);
          return ExitCodes.GATES_FAILED;
        }
      }
    }
    stdout().println(runDir);
    return 0;
  }

  /**
   * A rerun of a run id whose bundle and {@code report.json} exist: the run files are complete
   * ({@code report.json} is written last), so only the {@code latest} pointer can be missing. It is
   * missing when the report says the gates passed and the pointer still names the run the report
   * saw as latest before; a pointer that names another run was moved by a later run and stays.
   */
  private int finishComplete(String out, String runId, String runDir, Configuration hadoop, JobMetrics metrics) {
    boolean gatesFailed = Runs.gatesFailed(runDir, hadoop);
    metrics.gatesChecked(!gatesFailed);
    if (gatesFailed) {
      stderr().println("run " + runId + " is complete already; nothing to do");
      stdout().println(runDir);
      return ExitCodes.GATES_FAILED;
    }
    String before = Runs.previousLatest(runDir, hadoop);
    Optional<String> latest = Pointer.readLatest(out, hadoop);
    if (!latest.equals(Optional.of(runId)) && latest.orElse("").equals(before)) {
      Pointer.writeLatest(out, runId, hadoop);
      stderr().println("run " + runId + " was complete but for the 'latest' pointer; 'latest' now names it");
    } else {
      stderr().println("run " + runId + " is complete already; nothing to do");
    }
    metrics.succeeded();
    stdout().println(runDir);
    return 0;
  }

  /**
   * Before anything is written or read for training: {@code --resume} needs a committed
   * checkpoint, and a run without {@code --resume} must have none, since starting it over would
   * silently throw away the training they hold.
   *
   * @throws InvalidInputException naming the state directory (and the newest checkpoint)
   */
  private void requireCheckpointsMatch(String runId, String runDir, boolean resume, Configuration hadoop) {
    String state = Runs.child(runDir, Runs.STATE_DIR);
    Optional<CheckpointStore.Checkpoint> newest = CheckpointStore.latest(state, hadoop);
    if (resume && newest.isEmpty()) {
      throw new InvalidInputException("--resume: no committed checkpoint under " + state);
    }
    if (!resume && newest.isPresent()) {
      throw new InvalidInputException("run " + runId + " has checkpoints (newest: step " + newest.get().step()
          + " under " + state + "); continue it with --resume, or train under a new run id");
    }
  }

  /** {@code --keep-runs}: prunes old runs when {@code code} is success; returns {@code code}. */
  private int pruneAfterSuccess(int code, String out, String runId, BitswitchConfig config, Configuration hadoop) {
    if (code == ExitCodes.OK && keepRuns != null) {
      OldRuns.prune(out, keepRuns, runId, Duration.ofSeconds(config.train().lockTimeoutSeconds()), hadoop, stderr());
    }
    return code;
  }

  /**
   * Keys that cannot change what {@code train} produces, so a resumed or retried run may change
   * them: logging, the checkpoint cadence (a resume continues bit-identically whatever it is),
   * metrics, and the sections of the other commands. Spark settings and {@code --master} are not
   * configuration keys.
   */
  static boolean cannotChangeTraining(String key) {
    return key.equals("bitswitch.train.log-every") || key.equals("bitswitch.train.checkpoint-every")
        || key.equals("bitswitch.train.lock-timeout-seconds")
        || Stream.of("metrics", "pretrain", "sensitivity", "supernet", "search", "demo")
            .anyMatch(section -> key.startsWith("bitswitch." + section + "."));
  }

  /**
   * Records the effective configuration in {@code <run>/state/config.conf} when training starts,
   * before the first checkpoint; a run that continues ({@code --resume}, or the retry of a run
   * killed after publishing) is refused when its settings differ from the recorded ones in a key
   * that can change the result (docs/design/architecture.md §5, "Training state").
   *
   * @throws InvalidInputException naming every changed key with its recorded and current value
   */
  private void recordOrCheckSettings(String runId, String runDir, BitswitchConfig config, boolean continues,
      Configuration hadoop) {
    String recorded = Runs.child(Runs.child(runDir, Runs.STATE_DIR), Runs.CONFIG_FILE);
    if (continues && Runs.exists(recorded, hadoop)) {
      List<ConfigChanges.Change> changes = ConfigChanges.between(RunFiles.readText(recorded, hadoop),
          config.toHocon(), TrainCommand::cannotChangeTraining);
      if (!changes.isEmpty()) {
        throw new InvalidInputException("run " + runId + " was started with other settings (" + recorded + "): "
            + changes.stream().map(ConfigChanges.Change::toString).collect(Collectors.joining(", "))
            + "; continue it with the recorded settings, or train under a new run id");
      }
      return;
    }
    if (continues) {
      // A run started before settings were recorded: record them now, so later resumes are checked.
      stderr().println("run " + runId + " has no recorded settings (" + recorded + "); recording the current ones");
    }
    RunFiles.writeText(recorded, config.toHocon(), hadoop);
  }

  /** Report field of a run finished from its published bundle: which parts were recovered, which are lost. */
  static final String RECOVERED = "recovered";

  /** What a report finished from the published bundle says about itself (docs/design/architecture.md §5). */
  private static Map<String, Object> recoveredParts() {
    Map<String, Object> parts = new java.util.LinkedHashMap<>();
    parts.put("from", "published bundle");
    parts.put("accuracy", "evaluated again on the published bundle");
    parts.put("missing", List.of("history", "scale_drift", "seconds"));
    return parts;
  }

  /** The gates' verdict as the report holds it. */
  private static Gates reportGates(QualityGates.Result gates) {
    return new Gates(gates.passed(), gates.checks().stream()
        .map(c -> new Gates.Check(c.name(), c.passed(), c.detail())).toList());
  }
}
