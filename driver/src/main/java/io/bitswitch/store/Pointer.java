package io.bitswitch.store;

import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The {@code latest} pointer of an output directory: a one-line file {@code <out>/latest} holding
 * the run id of the last run that finished successfully. It is updated only after the run's
 * bundle is published, and atomically: readers see the old or the new run id, never a partial
 * one.
 *
 * <p>How the update is atomic: the new content goes to a hidden temporary file that is then
 * renamed over {@code latest}. On the local file system that is POSIX {@code rename}, which
 * replaces the target atomically; on HDFS it is {@link FileContext#rename} with {@code OVERWRITE},
 * also atomic. On object stores ({@code s3a}, {@code gs}) the file is written in place: an object
 * appears whole when its upload completes.
 */
public final class Pointer {
  /** File name of the pointer inside the output directory. */
  public static final String LATEST = "latest";

  private Pointer() {}

  /**
   * Points {@code <outUri>/latest} at {@code runId}.
   *
   * @throws InvalidInputException when the run id is empty or not a single path component
   * @throws BitswitchException when the file system fails (the old pointer is then untouched)
   */
  public static void writeLatest(String outUri, String runId, Configuration conf) {
    checkRunId(runId);
    StoreFs.Located out = StoreFs.locate(outUri, conf);
    FileSystem fs = out.fs();
    Path latest = new Path(out.path(), LATEST);
    byte[] content = (runId + "\n").getBytes(StandardCharsets.UTF_8);
    FaultPoints.reach(FaultPoints.POINTER_BEFORE_WRITE);
    try {
      fs.mkdirs(out.path());
      if (!out.renameIsAtomic()) {
        StoreFs.write(fs, latest, content, true);
        FaultPoints.reach(FaultPoints.POINTER_AFTER_WRITE);
        return;
      }
      Path tmp = new Path(out.path(), "." + LATEST + ".tmp-" + UUID.randomUUID());
      try {
        StoreFs.write(fs, tmp, content, false);
        if (fs instanceof RawLocalFileSystem) {
          StoreFs.rename(fs, tmp, latest); // rename(2) replaces an existing file atomically
        } else {
          FileContext.getFileContext(fs.getUri(), conf).rename(tmp, latest, Options.Rename.OVERWRITE);
        }
      } catch (IOException | RuntimeException | Error e) { // Error: Hadoop's FSError on a full disk
        StoreFs.deleteQuietly(fs, tmp);
        throw e;
      }
      FaultPoints.reach(FaultPoints.POINTER_AFTER_WRITE);
    } catch (IOException e) {
      throw new BitswitchException("could not update " + latest + ": " + e.getMessage(), e);
    } catch (FSError e) {
      throw new BitswitchException("could not update " + latest + ": " + RunFiles.causeMessage(e), e);
    }
  }

  /**
   * The run id {@code <outUri>/latest} points at, or empty when there is no pointer yet.
   *
   * @throws CorruptDataException when the pointer file is empty or not a valid run id
   */
  public static Optional<String> readLatest(String outUri, Configuration conf) {
    StoreFs.Located out = StoreFs.locate(outUri, conf);
    Path latest = new Path(out.path(), LATEST);
    String runId;
    try {
      if (!out.fs().exists(latest)) {
        return Optional.empty();
      }
      runId = new String(StoreFs.readAll(out.fs(), latest), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new BitswitchException("cannot read " + latest + ": " + e.getMessage(), e);
    }
    try {
      checkRunId(runId);
    } catch (InvalidInputException e) {
      throw new CorruptDataException("pointer " + latest + " is corrupt: " + e.getMessage());
    }
    return Optional.of(runId);
  }

  private static void checkRunId(String runId) {
    if (runId == null || runId.isEmpty()) {
      throw new InvalidInputException("run id is empty");
    }
    if (runId.equals(".") || runId.equals("..") || runId.contains("/") || runId.contains("\\")
        || runId.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidInputException("run id '" + runId + "' must be a single path component without"
          + " '/', control characters, '.' or '..'");
    }
  }
}
