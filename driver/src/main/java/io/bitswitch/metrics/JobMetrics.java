package io.bitswitch.metrics;

import io.bitswitch.BitswitchException;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.exporter.pushgateway.Format;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus metrics of one bitswitch job (docs/design/architecture.md §6): a registry of its own, served on a
 * live HTTP endpoint while the job runs and pushed once to a Pushgateway when it ends.
 *
 * <p>Use it as a resource around the whole job and call {@link #succeeded()} as the job's last act:
 *
 * <pre>{@code
 * try (JobMetrics metrics = JobMetrics.start(settings)) {
 *   TrainStage.run(new StageContext(spark, setup, progress, MetricsListener.of(metrics)), ...);
 *   metrics.recordAccuracy(accuracy);
 *   metrics.succeeded();
 * }
 * }</pre>
 *
 * <p>{@link #close()} pushes with {@code pushAdd} under the grouping keys {@code job} and
 * {@code command} (the CLI command, e.g. {@code train}), so a push replaces only the series of
 * the same names of the same job and command: an ad-hoc {@code evaluate} under the nightly job's
 * name leaves the nightly {@code train}'s series alone, and a failed job pushes no
 * {@code bitswitch_job_last_success_timestamp_seconds}, so the previous success's timestamp stays
 * in the Pushgateway for "time since last success" alerts. A failed job pushes
 * {@code bitswitch_job_last_failure_timestamp_seconds} instead; every job pushes
 * {@code bitswitch_job_last_attempt_timestamp_seconds}, and a job that checked quality gates
 * {@code bitswitch_gates_passed}. The push is retried with exponential backoff ({@link PushRetry});
 * when it still fails, one warning line is logged and the job's outcome stands. The push carries
 * only the {@code bitswitch_*} series; the process metrics (JVM heap and GC, ND4J off-heap) are on
 * the live endpoint alone, since a pushed copy would outlive the process it describes. The live
 * series carry no {@code command} label: that is how queries tell them from pushed copies
 * (docs/OPERATIONS.md).
 *
 * <p>Label {@code bits} is a bit-width in decimal, {@code "32"} for FP32.
 */
public final class JobMetrics implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobMetrics.class);
  /** Per push attempt, for connecting and for the answer. */
  private static final Duration PUSH_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Where a job's metrics go.
   *
   * @param job value of the Pushgateway grouping key {@code job}
   * @param command value of the Pushgateway grouping key {@code command}: the CLI command that
   *     runs the job ({@code train}, {@code evaluate}, ...)
   * @param version bitswitch version, the {@code version} label of {@code bitswitch_build_info}
   * @param listen address of the live HTTP endpoint (port 0: any free port), or null for none
   * @param pushgateway {@code host:port} of the Pushgateway for the final push, or empty for none
   */
  public record Settings(String job, String command, String version, InetSocketAddress listen,
      Optional<String> pushgateway) {
    /** Checks the fields. */
    public Settings {
      Objects.requireNonNull(job, "job");
      Objects.requireNonNull(command, "command");
      if (command.isBlank()) {
        throw new IllegalArgumentException("command: a grouping key value must not be empty");
      }
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(pushgateway, "pushgateway");
    }
  }

  private final Settings settings;
  /** What the live endpoint serves: the job's series and the process's. */
  private final PrometheusRegistry live = new PrometheusRegistry();
  /** What the final push carries: the job's series only. */
  private final PrometheusRegistry pushed = new PrometheusRegistry();
  private final long startNanos = System.nanoTime();
  /** Wall time of the finished job; NaN while it runs. */
  private volatile double finishedSeconds = Double.NaN;

  private final Gauge trainLoss;
  private final Gauge learningRate;
  private final Gauge scaleLearningRate;
  private final Counter trainSamples;
  private final Histogram stepDuration;
  private final Gauge evalAccuracy;
  private final Counter hasbLayerBits;
  private final Histogram checkpointWriteDuration;
  private final Gauge checkpointSize;
  private final Counter taskRetries;
  /** Registered on success only: an unset gauge would be exported as 0 and overwrite the last success. */
  private final Gauge lastSuccess;
  /** Registered when the job ends without success, for the same reason. */
  private final Gauge lastFailure;
  /** Registered once gates were checked: jobs without gates must not report a pass or a failure. */
  private final Gauge gatesPassed;
  private final PushRetry pushRetry;

  private HTTPServer server;
  private boolean success;
  private boolean gatesChecked;
  private boolean closed;

  /** The registry and its metrics, without endpoint; {@link #start(Settings)} serves them. */
  JobMetrics(Settings settings) {
    this(settings, PushRetry.DEFAULT);
  }

  /** As {@link #JobMetrics(Settings)}, with the given retries of the final push. */
  JobMetrics(Settings settings, PushRetry pushRetry) {
    this.settings = settings;
    this.pushRetry = pushRetry;
    trainLoss = job(Gauge.builder().name("bitswitch_train_loss")
        .help("Mean cross-entropy of the last training step, per precision").labelNames("bits").build());
    learningRate = job(Gauge.builder().name("bitswitch_train_learning_rate")
        .help("Base learning rate of the last training step (cosine schedule)").build());
    scaleLearningRate = job(Gauge.builder().name("bitswitch_scale_learning_rate")
        .help("ALRS learning rate of the quantization scales at the last step, per precision (absent for FP32)")
        .labelNames("bits").build());
    trainSamples = job(Counter.builder().name("bitswitch_train_samples_total")
        .help("Training examples consumed (global batch per step; each is seen at every precision)").build());
    stepDuration = job(Histogram.builder().name("bitswitch_train_step_duration_seconds").unit(Unit.SECONDS)
        .help("Wall time of a training step (one distributed round over all precisions)").classicOnly()
        .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120, 300).build());
    evalAccuracy = job(Gauge.builder().name("bitswitch_eval_accuracy_ratio").unit(Unit.RATIO)
        .help("Test accuracy of the job's model, per precision, in 0..1").labelNames("bits").build());
    hasbLayerBits = job(Counter.builder().name("bitswitch_hasb_layer_bits_total")
        .help("Layers drawn at each bit-width by HASB mixed-precision SuperNet training").labelNames("bits").build());
    checkpointWriteDuration = job(Histogram.builder().name("bitswitch_checkpoint_write_duration_seconds")
        .unit(Unit.SECONDS).help("Wall time of writing and committing a training-state checkpoint").classicOnly()
        .classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60).build());
    checkpointSize = job(Gauge.builder().name("bitswitch_checkpoint_size_bytes").unit(Unit.BYTES)
        .help("Bytes of the last checkpoint written").build());
    taskRetries = job(Counter.builder().name("bitswitch_task_retries_total")
        .help("Spark task attempts of the job that failed and were retried (lost executors, task errors)").build());
    lastSuccess = Gauge.builder().name("bitswitch_job_last_success_timestamp_seconds").unit(Unit.SECONDS)
        .help("Unix time at which the job last succeeded").build();
    lastFailure = Gauge.builder().name("bitswitch_job_last_failure_timestamp_seconds").unit(Unit.SECONDS)
        .help("Unix time at which the job last ended without success (error, or failed quality gates)").build();
    gatesPassed = Gauge.builder().name("bitswitch_gates_passed")
        .help("1 if the job's new bundle passed its quality gates and was published, 0 if it failed them").build();
    Gauge lastAttempt = job(Gauge.builder().name("bitswitch_job_last_attempt_timestamp_seconds").unit(Unit.SECONDS)
        .help("Unix time at which the job last started, whatever its outcome").build());
    lastAttempt.set(System.currentTimeMillis() / 1000.0);
    job(GaugeWithCallback.builder().name("bitswitch_job_duration_seconds").unit(Unit.SECONDS)
        .help("Wall time of the job: so far while it runs, in total once it has ended")
        .callback(cb -> cb.call(durationSeconds())).build());
    Info build = job(Info.builder().name("bitswitch_build_info").help("bitswitch build").labelNames("version")
        .build());
    build.setLabelValues(settings.version());

    JvmMetrics.builder().register(live);
    // ND4J's arrays live outside the heap, in memory that JavaCPP allocates and accounts for.
    live.register(GaugeWithCallback.builder().name("bitswitch_offheap_bytes").unit(Unit.BYTES)
        .help("Off-heap memory held by JavaCPP (ND4J arrays)").callback(cb -> cb.call(Pointer.totalBytes()))
        .build());
    live.register(GaugeWithCallback.builder().name("bitswitch_offheap_max_bytes").unit(Unit.BYTES)
        .help("JavaCPP's limit on off-heap memory (org.bytedeco.javacpp.maxBytes)")
        .callback(cb -> cb.call(Pointer.maxBytes())).build());
  }

  /**
   * Creates the job's metrics and starts the live endpoint when {@code settings.listen()} is set.
   *
   * @throws BitswitchException when the endpoint cannot listen on its address
   */
  public static JobMetrics start(Settings settings) {
    JobMetrics metrics = new JobMetrics(settings);
    InetSocketAddress listen = settings.listen();
    if (listen != null) {
      try {
        metrics.server = HTTPServer.builder().inetAddress(listen.getAddress()).port(listen.getPort())
            .registry(metrics.live).buildAndStart();
      } catch (IOException e) {
        throw new BitswitchException("cannot serve metrics on " + listen + ": " + e.getMessage(), e);
      }
    }
    return metrics;
  }

  private <T extends Collector> T job(T metric) {
    live.register(metric);
    pushed.register(metric);
    return metric;
  }

  private double durationSeconds() {
    double finished = finishedSeconds;
    return Double.isNaN(finished) ? (System.nanoTime() - startNanos) / 1e9 : finished;
  }

  /** What the live endpoint serves (the job's and the process's metrics). */
  public PrometheusRegistry registry() {
    return live;
  }

  /** The port of the live endpoint, or 0 when there is none. */
  public int httpPort() {
    return server == null ? 0 : server.getPort();
  }

  /** Loss and rates per precision, examples and step time of each training step. */
  public void step(TrainingStep r) {
    for (int k = 0; k < r.bits().length; k++) {
      String bits = Integer.toString(r.bits()[k]);
      trainLoss.labelValues(bits).set(r.loss()[k]);
      double scaleRate = r.scaleLearningRate()[k];
      if (!Double.isNaN(scaleRate)) {
        scaleLearningRate.labelValues(bits).set(scaleRate);
      }
    }
    learningRate.set(r.learningRate());
    // The trainer reports the global batch as a rate over the step's wall time.
    trainSamples.inc(Math.round(r.imagesPerSecond() * r.seconds()));
    stepDuration.observe(r.seconds());
  }

  /**
   * One committed checkpoint.
   *
   * @param step the step it holds
   * @param seconds wall time of the write, commit and pruning
   * @param bytes bytes written
   */
  public void checkpointWritten(int step, double seconds, long bytes) {
    checkpointWriteDuration.observe(seconds);
    checkpointSize.set(bytes);
  }

  /** One failed Spark task attempt, which Spark retries (io.bitswitch.spark.TaskRetryListener). */
  public void taskRetried() {
    taskRetries.inc();
  }

  /** Test accuracies by bit-width ({@code "32"} for FP32), as the stages and reports key them. */
  public void recordAccuracy(Map<String, Double> accuracyByBits) {
    accuracyByBits.forEach((bits, accuracy) -> evalAccuracy.labelValues(bits).set(accuracy));
  }

  /** One HASB pass: counts the bit-width each layer ran at. */
  public void hasbDraw(int... layerBits) {
    for (int b : layerBits) {
      hasbLayerBits.labelValues(Integer.toString(b)).inc();
    }
  }

  /**
   * Marks the job as succeeded now: sets {@code bitswitch_job_last_success_timestamp_seconds}.
   * Call it once the job's outputs are written, as its last act before {@link #close()}.
   */
  public synchronized void succeeded() {
    lastSuccess.set(System.currentTimeMillis() / 1000.0);
    if (!success) {
      success = true;
      live.register(lastSuccess);
      pushed.register(lastSuccess);
    }
  }

  /**
   * Records the outcome of the job's quality gates: {@code bitswitch_gates_passed} 1 or 0. A job
   * that checks no gates never calls this and exports no such series.
   */
  public synchronized void gatesChecked(boolean passed) {
    gatesPassed.set(passed ? 1 : 0);
    if (!gatesChecked) {
      gatesChecked = true;
      live.register(gatesPassed);
      pushed.register(gatesPassed);
    }
  }

  /** Registers every outcome series, for {@link MetricNames}: the list names them all. */
  synchronized void registerEveryOutcome() {
    succeeded();
    gatesChecked(true);
    live.register(lastFailure);
  }

  /**
   * Ends the job's metrics: fixes the job duration, sets the failure timestamp unless
   * {@link #succeeded()} was called, pushes to the Pushgateway when one is configured, and stops
   * the live endpoint. A failed push is logged, not thrown: the job's outputs are written by then,
   * and the missing success timestamp is what alerts.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    finishedSeconds = (System.nanoTime() - startNanos) / 1e9;
    if (!success) {
      lastFailure.set(System.currentTimeMillis() / 1000.0);
      live.register(lastFailure);
      pushed.register(lastFailure);
    }
    try {
      settings.pushgateway().ifPresent(this::push);
    } finally {
      if (server != null) {
        server.stop();
      }
    }
  }

  private void push(String address) {
    PushGateway gateway = PushGateway.builder().address(address).job(settings.job())
        .groupingKey("command", settings.command()).registry(pushed).format(Format.PROMETHEUS_TEXT)
        .connectionTimeout(PUSH_TIMEOUT).readTimeout(PUSH_TIMEOUT).build();
    // One line, no stack trace: an unreachable Pushgateway is an operational fact, not a bug.
    pushRetry.run(gateway::pushAdd).ifPresent(failure -> LOG.warn(
        "cannot push the metrics of job '{}' (command {}) to the Pushgateway at {}: {}", settings.job(),
        settings.command(), address, failure));
  }
}
