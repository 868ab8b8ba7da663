package io.bitswitch.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1 (docs/design/architecture.md §7): one master and N workers, each
 * a separate JVM started from the Spark jars of the Maven classpath, plus {@code SparkSubmit} runs
 * in child JVMs. Everything it starts is stopped by {@link #close()}; nothing listens off loopback.
 *
 * <p>The workers launch executors from {@code SPARK_HOME/jars}, so a temporary SPARK_HOME is laid
 * out whose {@code jars/} links to the Spark, Scala and Hadoop jars (and their dependencies) of
 * the build's classpath, without bitswitch's own modules and its deep-learning stack: those must
 * come from the application jar, as on a real cluster.
 */
final class LocalSparkCluster implements AutoCloseable {
  /** Path segments (Maven repository layout) of the jars that bitswitch brings and Spark lacks. */
  private static final List<String> APPLICATION_GROUPS = List.of("/io/bitswitch/", "/org/deeplearning4j/",
      "/org/nd4j/", "/org/datavec/", "/org/bytedeco/", "/io/prometheus/", "/org/ojalgo/", "/info/picocli/",
      "/com/typesafe/config/");
  /** Environment that would let a developer's Spark installation leak into the cluster. */
  private static final List<String> FOREIGN_ENV = List.of("SPARK_CONF_DIR", "SPARK_CLASSPATH", "SPARK_DIST_CLASSPATH",
      "SPARK_PREPEND_CLASSES", "SPARK_TESTING", "HADOOP_CONF_DIR", "YARN_CONF_DIR", "SPARK_SUBMIT_OPTS",
      "SPARK_JAVA_OPTS", "_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS");
  private static final Duration GRACE = Duration.ofSeconds(15);
  /** System property: a directory to copy the cluster's logs to when it stops (for debugging). */
  static final String KEEP_LOGS_PROPERTY = "bitswitch.it.keep-logs";

  /** The result of a child JVM that ran to its end. */
  record Result(int code, Path stdout, Path stderr, long seconds) {
    String out() {
      return read(stdout);
    }

    String err() {
      return read(stderr);
    }

    /** For assertion messages: the exit code and the tails of both streams. */
    String describe() {
      return "exit code " + code + "\n--- stdout (tail) ---\n" + tail(out(), 4_000) + "\n--- stderr (tail) ---\n"
          + tail(err(), 12_000);
    }
  }

  private final Path root;
  private final Path sparkHome;
  private final List<String> javaOptions;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  /** Every JVM started here, in start order; stopped in reverse order. */
  private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
  private final List<Path> workerDirs = new ArrayList<>();
  private final List<Process> workers = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private int masterPort;
  private int masterWebUiPort;
  private int logCount;

  /**
   * @param root an empty directory that holds SPARK_HOME, the work dirs and the logs
   * @param classpath the build's compile+provided classpath (Spark's jars among them)
   * @param javaOptions the {@code --add-opens} list (and DL4J switch) every JVM needs on Java 17
   */
  LocalSparkCluster(Path root, List<Path> classpath, List<String> javaOptions) throws IOException {
    this.root = root;
    this.javaOptions = List.copyOf(javaOptions);
    this.sparkHome = Files.createDirectories(root.resolve("spark-home"));
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    for (Path jar : sparkJars(classpath)) {
      Path link = jars.resolve(jar.getFileName());
      if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, jar.toAbsolutePath());
      }
    }
  }

  /** The entries of {@code classpath} that a Spark distribution would carry in its {@code jars/}. */
  static List<Path> sparkJars(List<Path> classpath) {
    return classpath.stream()
        .filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
        .filter(p -> !p.getFileName().toString().startsWith("bitswitch-"))
        .filter(p -> {
          String path = p.toAbsolutePath().toString().replace('\\', '/');
          return APPLICATION_GROUPS.stream().noneMatch(path::contains);
        })
        .toList();
  }

  /** Reads a classpath as Maven's dependency:build-classpath writes it. */
  static List<Path> readClasspathFile(Path file) throws IOException {
    return Arrays.stream(Files.readString(file).trim().split(java.io.File.pathSeparator))
        .filter(s -> !s.isBlank())
        .map(Path::of)
        .toList();
  }

  Path sparkHome() {
    return sparkHome;
  }

  String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  /** The workers' {@code --work-dir}s: {@code <app-id>/<executor-id>/stderr} for each executor. */
  List<Path> workerDirs() {
    return List.copyOf(workerDirs);
  }

  /**
   * The executor JVM that worker {@code worker} runs now, if any: the
   * {@code CoarseGrainedExecutorBackend} among the worker's descendants.
   */
  java.util.Optional<ProcessHandle> executorOf(int worker) {
    return workers.get(worker).descendants()
        .filter(h -> h.info().commandLine().map(c -> c.contains("CoarseGrainedExecutorBackend")).orElse(false))
        .findFirst();
  }

  /** Starts the master and {@code workers} workers and waits until all workers are registered. */
  void start(int workers, int coresPerWorker, String memoryPerWorker, Duration timeout)
      throws IOException, InterruptedException {
    masterPort = freePort();
    masterWebUiPort = freePort();
    // No REST submission server: it would listen on the fixed port 6066.
    Process master = startJvm("master", "org.apache.spark.deploy.master.Master",
        List.of("-Xmx512m", "-Dspark.master.rest.enabled=false"),
        List.of("--host", "127.0.0.1", "--port", Integer.toString(masterPort), "--webui-port",
            Integer.toString(masterWebUiPort)));
    awaitMaster("master answers on its web UI", state -> "ALIVE".equals(state.path("status").asText()), timeout,
        master);
    for (int i = 0; i < workers; i++) {
      Path workDir = Files.createDirectories(root.resolve("worker-" + i));
      workerDirs.add(workDir);
      this.workers.add(startJvm("worker-" + i, "org.apache.spark.deploy.worker.Worker", List.of("-Xmx512m"),
          List.of("--host", "127.0.0.1", "--cores", Integer.toString(coresPerWorker), "--memory", memoryPerWorker,
              "--webui-port", Integer.toString(freePort()), "--work-dir", workDir.toString(), masterUrl())));
    }
    awaitMaster(workers + " workers registered", state -> aliveWorkers(state) >= workers, timeout,
        processes.toArray(Process[]::new));
  }

  private static long aliveWorkers(JsonNode state) {
    long alive = 0;
    for (JsonNode worker : state.path("workers")) {
      if ("ALIVE".equals(worker.path("state").asText())) {
        alive++;
      }
    }
    return alive;
  }

  /** The master's state as its web UI serves it at {@code /json/}. */
  JsonNode masterState() throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterWebUiPort + "/json/"))
        .timeout(Duration.ofSeconds(10))
        .GET()
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("master web UI answered " + response.statusCode());
    }
    return json.readTree(response.body());
  }

  private void awaitMaster(String what, Predicate<JsonNode> condition, Duration timeout, Process... watched)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      for (Process p : watched) {
        if (!p.isAlive()) {
          throw new IllegalStateException("a cluster JVM exited with " + p.exitValue() + " while waiting for: "
              + what + "\n" + logTails());
        }
      }
      try {
        JsonNode state = masterState();
        last = state.toString();
        if (condition.test(state)) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for: " + what
        + "\nlast master state: " + last + "\n" + logTails());
  }

  /**
   * Runs {@code org.apache.spark.deploy.SparkSubmit} with {@code args} in a child JVM whose
   * classpath is Spark's jars only, and waits at most {@code timeout} for it; a run that does not
   * end in time is killed and fails.
   */
  Result submit(String name, List<String> args, String heap, Duration timeout)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    Process p = startJvm(name, "org.apache.spark.deploy.SparkSubmit", List.of("-Xmx" + heap), args);
    Path out = logs.get(logs.size() - 2);
    Path err = logs.get(logs.size() - 1);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      stop(p);
      throw new IllegalStateException(name + " did not finish within " + timeout.toMinutes() + " min; killed\n"
          + new Result(-1, out, err, timeout.toSeconds()).describe());
    }
    stop(p); // Gone already; stops any child it left behind.
    return new Result(p.exitValue(), out, err, (System.nanoTime() - start) / 1_000_000_000L);
  }

  private Process startJvm(String name, String mainClass, List<String> jvmOptions, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(javaOptions);
    command.add("-Djava.io.tmpdir=" + Files.createDirectories(root.resolve("tmp")));
    command.add("-cp");
    command.add(sparkHome.resolve("jars") + java.io.File.separator + "*");
    command.add(mainClass);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
    Map<String, String> env = builder.environment();
    FOREIGN_ENV.forEach(env::remove);
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_LOCAL_DIRS", Files.createDirectories(root.resolve("local-" + name)).toString());
    env.put("OMP_NUM_THREADS", "1");
    Path logDir = Files.createDirectories(root.resolve("logs"));
    int n = logCount++;
    Path out = logDir.resolve(String.format("%02d-%s.out", n, name));
    Path err = logDir.resolve(String.format("%02d-%s.err", n, name));
    logs.add(out);
    logs.add(err);
    builder.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
        nullDevice()));
    Process p = builder.start();
    processes.add(p);
    return p;
  }

  private static java.io.File nullDevice() {
    return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }

  /** The last lines of every log written so far, for failure messages. */
  String logTails() {
    StringBuilder s = new StringBuilder();
    for (Path log : logs) {
      String text = read(log);
      if (!text.isBlank()) {
        s.append("--- ").append(log.getFileName()).append(" (tail) ---\n").append(tail(text, 3_000)).append('\n');
      }
    }
    return s.toString();
  }

  /**
   * Stops every JVM started here, newest first, with the processes they started (the workers'
   * executors): SIGTERM, then a kill after a grace period.
   */
  @Override
  public void close() {
    List<Process> all;
    synchronized (processes) {
      all = new ArrayList<>(processes);
    }
    Collections.reverse(all);
    for (Process p : all) {
      stop(p);
    }
    String keep = System.getProperty(KEEP_LOGS_PROPERTY);
    if (keep != null && !keep.isBlank()) {
      keepLogs(Path.of(keep));
    }
    // The links into the Maven repository go too (a temp-dir cleanup would warn about each).
    try (Stream<Path> links = Files.list(sparkHome.resolve("jars"))) {
      for (Path link : links.toList()) {
        Files.deleteIfExists(link);
      }
    } catch (IOException e) {
      // Left for the temp-dir cleanup.
    }
  }

  /** Copies the JVMs' logs and the executors' stdout and stderr (not their jars) to {@code target}. */
  private void keepLogs(Path target) {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String name = file.getFileName().toString();
        Path relative = root.relativize(file);
        if (relative.startsWith("logs") || (relative.getName(0).toString().startsWith("worker-") && (name.equals("stderr")
            || name.equals("stdout")))) {
          Path copy = target.resolve(relative.toString());
          Files.createDirectories(copy.getParent());
          Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      System.err.println("could not keep the cluster's logs in " + target + ": " + e);
    }
  }

  private static void stop(Process p) {
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    tree.add(p.toHandle());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + GRACE.toNanos();
    for (ProcessHandle h : tree) {
      long left = Math.max(0, deadline - System.nanoTime());
      try {
        h.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
    for (ProcessHandle h : tree) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Killed with SIGKILL above; nothing more to do.
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String tail(String text, int chars) {
    return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
  }
}
