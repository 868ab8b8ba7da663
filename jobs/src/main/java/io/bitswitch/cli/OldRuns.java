package io.bitswitch.cli;

import io.bitswitch.BitswitchException;
import io.bitswitch.store.Pointer;
import io.bitswitch.store.RunLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code train --keep-runs N}: deletes the oldest run directories under {@code --out} beyond the
 * newest N, through the Hadoop file system of {@code --out} (docs/design/architecture.md §5). Only
 * bitswitch runs are candidates (a directory with {@code report.json} or {@code state/}); the run
 * {@code latest} names, the run just finished and any run whose lock is live are never deleted.
 * A run's age is its {@code report.json}'s time, or for an unfinished run its directory's.
 */
final class OldRuns {
  private OldRuns() {}

  /**
   * Deletes what {@code --keep-runs keep} allows and prints each deleted run to {@code log}.
   *
   * @param current the run this {@code train} finished: kept whatever its age
   * @param lockTimeout a lock whose heartbeat is newer than this is live
   * @return the run directories deleted, oldest first
   */
  static List<String> prune(String out, int keep, String current, Duration lockTimeout, Configuration hadoop,
      PrintWriter log) {
    Path root = new Path(out);
    try {
      FileSystem fs = root.getFileSystem(hadoop);
      Optional<String> latest = Pointer.readLatest(out, hadoop);
      List<Run> runs = new ArrayList<>();
      for (FileStatus child : fs.listStatus(root)) {
        if (!child.isDirectory()) {
          continue;
        }
        Path report = new Path(child.getPath(), Runs.REPORT_FILE);
        boolean finished = fs.exists(report);
        if (!finished && !fs.exists(new Path(child.getPath(), Runs.STATE_DIR))) {
          continue; // not a bitswitch run: never ours to delete
        }
        long time = finished ? fs.getFileStatus(report).getModificationTime() : child.getModificationTime();
        runs.add(new Run(child.getPath(), time));
      }
      // Newest first; equal times by name, newest name first (timestamp run ids sort by time).
      runs.sort(Comparator.comparingLong(Run::time).thenComparing(r -> r.dir().getName()).reversed());
      List<String> deleted = new ArrayList<>();
      List<Run> beyond = new ArrayList<>(runs.subList(Math.min(keep, runs.size()), runs.size()));
      java.util.Collections.reverse(beyond); // oldest first
      for (Run run : beyond) {
        String name = run.dir().getName();
        if (name.equals(current) || latest.equals(Optional.of(name))) {
          continue;
        }
        if (RunLock.isHeld(run.dir().toString(), lockTimeout, hadoop)) {
          log.println("keeping run " + name + " beyond --keep-runs " + keep + ": it is locked by a running train");
          continue;
        }
        if (!fs.delete(run.dir(), true)) {
          throw new IOException("delete returned false");
        }
        log.println("deleted old run " + run.dir() + " (--keep-runs " + keep + ")");
        deleted.add(run.dir().toString());
      }
      return deleted;
    } catch (IOException e) {
      throw new BitswitchException("cannot delete old runs under " + out + " (--keep-runs): " + e.getMessage(), e);
    }
  }

  private record Run(Path dir, long time) {}
}
