package io.bitswitch.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.reliability.TrainRuns.Outputs;
import io.bitswitch.reliability.TrainRuns.Result;
import io.bitswitch.store.BundleStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A disk that fills up while {@code train} writes a checkpoint, publishes its bundle or writes its
 * report: the run fails (exit code not 0) naming the full disk, leaves nothing half-written where
 * readers look (no bundle without its manifest, no empty {@code report.json}, no {@code latest}),
 * and its retry after space is freed finishes with the outputs of an uninterrupted run
 * (docs/RELIABILITY.md). The disk is {@link FullFileSystem} (the space runs out halfway through
 * the chosen file) and, where the test may mount one, a small real tmpfs (runs in child JVMs).
 */
@Tag("slow")
class DiskFullTest {
  private static final String IMPL_PROPERTY = "spark.hadoop.fs." + FullFileSystem.SCHEME + ".impl";
  private static final long PAGE = 4096;

  @TempDir static Path dir;
  private static Outputs reference;
  private static List<FullFileSystem.Write> referenceWrites;
  private static Path mounted;

  @BeforeAll
  static void uninterruptedRun() throws IOException {
    System.setProperty(IMPL_PROPERTY, FullFileSystem.class.getName());
    FullFileSystem.limit(Long.MAX_VALUE);
    Path out = dir.resolve("reference");
    Result run = TrainRuns.inProcess(FullFileSystem.SCHEME + "://" + out);
    assertEquals(0, run.code(), run.err());
    referenceWrites = FullFileSystem.writes();
    reference = Outputs.of(out);
  }

  @AfterAll
  static void restore() throws Exception {
    System.clearProperty(IMPL_PROPERTY);
    FullFileSystem.limit(Long.MAX_VALUE);
    if (mounted != null) {
      new ProcessBuilder("umount", mounted.toString()).inheritIO().start().waitFor(1, TimeUnit.MINUTES);
    }
  }

  /** The space runs out halfway through the file the regex names (its size in the uninterrupted run). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = ';', value = {
      "checkpoint; /state/step-[0-9]+/state\\.safetensors$",
      "last checkpoint; /state/step-000004/state\\.safetensors$",
      "bundle publish; /\\.bundle\\.tmp-[^/]+/model\\.safetensors$",
      "report; /\\.report\\.json\\.tmp-[^/]+$"})
  void diskFillsUpThenRetryAfterFreeingSpace(String during, String fileRegex) throws Exception {
    Pattern file = Pattern.compile(fileRegex);
    FullFileSystem.Write target = referenceWrites.stream().filter(w -> file.matcher(w.path()).find()).findFirst()
        .orElseThrow(() -> new AssertionError("the uninterrupted run wrote no " + fileRegex));
    assertTrue(target.bytes() > 1, target.toString());
    Path out = dir.resolve("full-" + during.replace(' ', '-'));
    FullFileSystem.fillUpAt(file, target.bytes() / 2);
    Result failed = run(FullFileSystem.SCHEME + "://" + out);
    String product = checkFailure(failed, out);

    FullFileSystem.limit(Long.MAX_VALUE);
    String retried = retry(out);
    ReliabilityLog.record(DiskFullTest.class, "disk full during " + during,
        "train on a file system whose space runs out halfway through the " + during + " ("
            + FullFileSystem.class.getSimpleName() + ": IOException \"No space left on device\"); then space freed"
            + " and the same run id again",
        product + "; " + retried, "exit code, stderr, bundle/report.json/latest on disk; retry's outputs equal "
            + "an uninterrupted run's");
  }

  /**
   * Every run of this case is a fresh JVM, as a real retry is: the reference, the run that fills
   * the tmpfs and its retry. (The cases above compare runs made one after another in this test
   * JVM; a CI run once found this case's in-process retry differing from its in-process reference,
   * after earlier test classes had run in another order than here, and no local run reproduced it.)
   */
  @Test
  void realTmpfsFillsUpDuringBundlePublishThenRetryAfterGrowingIt() throws Exception {
    Path mountPoint = Files.createDirectories(dir.resolve("tmpfs"));
    Path referenceOut = dir.resolve("tmpfs-reference");
    assertEquals(0, child("reference", referenceOut), TrainRuns.childErr(dir.resolve("logs/reference")));
    Outputs freshReference = Outputs.of(referenceOut);
    // Space for the state the run has when it publishes (both kept checkpoints, config, the lock
    // and its heartbeat's temporary) and half the bundle's tensors: the publish runs out of it.
    Path referenceRun = referenceOut.resolve(TrainRuns.RUN_ID);
    long size = pages(referenceRun.resolve("state")) + 4 * PAGE
        + Files.size(referenceRun.resolve("bundle/model.safetensors")) / 2 / PAGE * PAGE;
    Assumptions.assumeTrue(mount(mountPoint, "size=" + size),
        "needs root and a mountable tmpfs; the injected FullFileSystem cases cover the rest");
    mounted = mountPoint;
    Path out = mountPoint.resolve("out");
    int code = child("full", out);
    String product = checkFailure(new Result(code, "", TrainRuns.childErrors(dir.resolve("logs/full"))), out);

    assertTrue(mount(mountPoint, "remount,size=256m"), "tmpfs grown");
    Thread.sleep(TrainRuns.LOCK_STALE_MILLIS);
    boolean resume = TrainRuns.hasCommittedCheckpoint(out);
    int retry = resume ? child("retry", out, "--resume") : child("retry", out);
    assertEquals(0, retry, TrainRuns.childErr(dir.resolve("logs/retry")));
    Outputs.of(out).assertSameAs(freshReference, "retry after the tmpfs was full");
    ReliabilityLog.record(DiskFullTest.class, "tmpfs full during bundle publish",
        "train with --out on a real tmpfs (" + size / 1024 + " KiB) that fills up while the bundle is written; then"
            + " the tmpfs grown (remount) and the same run id again",
        product + "; the retry" + (resume ? " with --resume" : "") + " exits 0 with the uninterrupted run's outputs",
        "exit code, stderr, bundle/report.json/latest on disk; retry's outputs equal an uninterrupted run's");
  }

  /** Runs {@code train} into {@code out} in a child JVM (logs under {@code <dir>/logs/<name>}); its exit code. */
  private static int child(String name, Path out, String... extra) throws IOException, InterruptedException {
    Process p = TrainRuns.child(dir.resolve("logs").resolve(name), null, out.toString(), extra);
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), name + " run ended");
    return p.exitValue();
  }

  /** A run in this JVM; an Error escaping the command (Hadoop's FSError) counts as exit 1, as the JVM would exit. */
  private static Result run(String out) {
    try {
      return TrainRuns.inProcess(out);
    } catch (Error e) {
      return new Result(1, "", "uncaught " + e);
    }
  }

  /**
   * Checks a run that ran out of space: a non-zero exit naming the full disk, and nothing
   * half-written where readers look.
   *
   * @return what the run did, for the document
   */
  private static String checkFailure(Result failed, Path out) throws IOException {
    assertNotEquals(0, failed.code(), failed.err());
    assertTrue(failed.err().contains(FullFileSystem.NO_SPACE), failed.err());
    Path run = out.resolve(TrainRuns.RUN_ID);
    Path bundle = run.resolve("bundle");
    if (Files.exists(bundle)) {
      BundleStore.read(bundle.toString(), new Configuration()); // complete and valid, or this throws
    }
    Path report = run.resolve("report.json");
    if (Files.exists(report)) {
      new ObjectMapper().readTree(report.toFile());
    }
    assertFalse(Files.exists(out.resolve("latest")), "latest not moved");
    try (Stream<Path> files = Files.list(run)) {
      List<String> empty = files.filter(Files::isRegularFile).filter(f -> size(f) == 0)
          .map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).toList();
      assertEquals(List.of(), empty, "empty run files");
    }
    long lines = failed.err().strip().lines().count();
    String first = failed.err().strip().lines().findFirst().orElse("").replace(dir.toString(), "<tmp>");
    String said = failed.err().startsWith("uncaught") ? "an " + first + " escapes the command (a JVM prints its stack"
        + " trace and exits 1)" : failed.err().contains("\tat ") ? "a stack trace (" + first + ")"
        : lines + " line(s) on stderr (\"" + (first.length() > 160 ? first.substring(0, 160) + "…" : first) + "\")";
    List<String> left = TrainRuns.leftTemporaries(out);
    // The lock's heartbeat cleans up after itself, also when the disk is full while it writes.
    assertFalse(left.stream().anyMatch(t -> t.contains(".lock.tmp-")), left.toString());
    return "exit " + failed.code() + ", " + said
        + (Files.exists(bundle) ? ", the bundle complete" : ", no bundle") + ", no latest"
        + (left.isEmpty() ? "" : ", temporaries left (" + String.join(", ", left) + ")");
  }

  private static String retry(Path out) throws IOException, InterruptedException {
    Thread.sleep(TrainRuns.LOCK_STALE_MILLIS);
    boolean resume = TrainRuns.hasCommittedCheckpoint(out);
    String where = FullFileSystem.SCHEME + "://" + out;
    Result retry = resume ? TrainRuns.inProcess(where, "--resume") : TrainRuns.inProcess(where);
    assertEquals(0, retry.code(), retry.err());
    Outputs.of(out).assertSameAs(reference, "retry after the disk was full");
    return "the retry" + (resume ? " with --resume" : "") + " exits 0 with the uninterrupted run's outputs";
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }

  /** The space {@code dir}'s files take on a tmpfs: whole pages. */
  private static long pages(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> (size(f) + PAGE - 1) / PAGE * PAGE).sum();
    }
  }

  /** Mounts (or remounts) a tmpfs; false when that is not allowed here. */
  private static boolean mount(Path mountPoint, String options) throws IOException, InterruptedException {
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", mountPoint.toString())
        .redirectErrorStream(true).start();
    String output = new String(mount.getInputStream().readAllBytes());
    boolean done = mount.waitFor(1, TimeUnit.MINUTES) && mount.exitValue() == 0;
    if (!done) {
      System.out.println("DiskFullTest: mount -o " + options + " failed: " + output.strip());
    }
    return done;
  }
}
