package io.bitswitch.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.reliability.TrainRuns.Outputs;
import io.bitswitch.reliability.TrainRuns.Result;
import io.bitswitch.store.FaultPoints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run directory on a real HDFS (a {@link MiniDFSCluster} in this JVM; docs/RELIABILITY.md):
 * publishing and the pointer through HDFS's atomic renames ({@code FileContext.rename} with
 * {@code OVERWRITE} replaces {@code latest}), a resume from checkpoints on HDFS after a crash,
 * and a crash inside the report/pointer window, each finished by a retry with the model of the
 * uninterrupted run.
 */
@Tag("slow")
class HdfsSemanticsTest {
  @TempDir static Path dir;
  private static MiniDFSCluster cluster;
  private static FileSystem hdfs;
  private static String out;

  @BeforeAll
  static void startHdfs() throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
    cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    hdfs = cluster.getFileSystem();
    out = hdfs.getUri() + "/bitswitch/runs";
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  @Test
  void publishResumeAndPointerMoveOnHdfsWithCrashesInBetween() throws Exception {
    // r1: uninterrupted; publishes by rename and creates latest.
    Result first = TrainRuns.inProcess(out, "--run-id", "r1");
    assertEquals(0, first.code(), first.err());
    Outputs reference = local("r1");
    assertEquals("r1", latest());
    ReliabilityLog.record(HdfsSemanticsTest.class, "publish on HDFS",
        "train with --out on HDFS (MiniDFSCluster)", "exit 0; bundle published by rename, latest created",
        "bundle and report read back from HDFS, latest");

    // r2: killed after step 3 (a checkpoint of step 2 on HDFS), resumed; the pointer moves r1 -> r2.
    crash("r2", FaultPoints.TRAIN_STEP_DONE + "@3");
    Result resumed = TrainRuns.inProcess(out, "--run-id", "r2", "--resume");
    assertEquals(0, resumed.code(), resumed.err());
    local("r2").assertSameModelAs(reference, "r2 resumed on HDFS");
    assertEquals("r2", latest());
    ReliabilityLog.record(HdfsSemanticsTest.class, "crash and resume on HDFS",
        "train on HDFS halted after step 3 (checkpoint of step 2 on HDFS); train --resume with the same run id",
        "exit 0; resumed from the HDFS checkpoint; latest replaced (FileContext.rename OVERWRITE) from r1 to r2",
        "bundle tensors, manifest and report accuracies equal the uninterrupted r1's; latest");

    // r3: killed with report.json written and latest not moved; the retry only moves the pointer.
    crash("r3", FaultPoints.POINTER_BEFORE_WRITE);
    assertEquals("r2", latest());
    Result retry = TrainRuns.inProcess(out, "--run-id", "r3");
    assertEquals(0, retry.code(), retry.err());
    assertTrue(retry.err().contains("'latest' now names it"), retry.err());
    local("r3").assertSameModelAs(reference, "r3 on HDFS");
    assertEquals("r3", latest());
    assertFalse(hdfs.exists(new org.apache.hadoop.fs.Path(out, "r3/.lock")), "lock released");
    ReliabilityLog.record(HdfsSemanticsTest.class, "halt before the pointer on HDFS",
        "train on HDFS halted after report.json, before latest moved; the same run id again",
        "exit 0; moves latest only (r2 -> r3)", "latest, bundle and report equal the uninterrupted run's");
  }

  /** Runs {@code runId} in a child JVM that halts at {@code point}. */
  private static void crash(String runId, String point) throws Exception {
    Path logs = dir.resolve("logs").resolve(runId);
    Process child = TrainRuns.child(logs, point, out, "--run-id", runId);
    assertTrue(child.waitFor(10, TimeUnit.MINUTES));
    assertEquals(FaultPoints.HALT_STATUS, child.exitValue(), TrainRuns.childErr(logs));
    Thread.sleep(TrainRuns.LOCK_STALE_MILLIS);
  }

  private static String latest() throws IOException {
    try (var in = hdfs.open(new org.apache.hadoop.fs.Path(out, "latest"))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
  }

  /** A local copy of the run's outputs, for {@link Outputs}. */
  private static Outputs local(String runId) throws IOException {
    Path copy = dir.resolve("copies").resolve(runId);
    hdfs.copyToLocalFile(false, new org.apache.hadoop.fs.Path(out, runId), new org.apache.hadoop.fs.Path(
        copy.resolve(runId).toUri()), true);
    hdfs.copyToLocalFile(false, new org.apache.hadoop.fs.Path(out, "latest"), new org.apache.hadoop.fs.Path(
        copy.resolve("latest").toUri()), true);
    return Outputs.of(copy, runId);
  }
}
