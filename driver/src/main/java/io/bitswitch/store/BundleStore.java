package io.bitswitch.store;

import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads and publishes bundle directories ({@code model.safetensors} + {@code manifest.json}) on
 * any Hadoop file system: {@code file:}, {@code hdfs:}, {@code s3a:} URIs, and plain paths
 * (resolved against {@code fs.defaultFS}, the local file system by default).
 *
 * <h2>Publishing is atomic (docs/design/architecture.md §5)</h2>
 *
 * A reader sees either the complete old bundle, the complete new one, or (object stores only, see
 * below) none, never a mixture or a half-written one.
 *
 * <ul>
 *   <li>File systems with atomic rename (HDFS, local): both files are written into a hidden
 *       sibling {@code <parent>/.<name>.tmp-<uuid>}, the manifest last, and the directory is then
 *       renamed to the target. When a bundle already exists there and {@code replace} is set, the
 *       old directory is first renamed aside to {@code .<name>.old-<uuid>}, the new one renamed
 *       in, and only then the old one deleted; if the second rename fails the old one is renamed
 *       back. On any failure the temporary directory is deleted and an existing bundle is left as
 *       it was. Concurrent publishers to the same target are not supported.
 *   <li>Object stores ({@code s3a}, {@code s3}, {@code s3n}, {@code gs}), where rename is a copy:
 *       the files are written in place, tensors first and manifest last (each object appears
 *       whole when its upload completes). Readers treat a directory without {@code manifest.json}
 *       as absent, so an interrupted publish leaves no readable half-bundle. Replacing first
 *       deletes the old manifest: a failure mid-replace leaves no bundle rather than the old one.
 * </ul>
 */
public final class BundleStore {
  private BundleStore() {}

  /** Whether a published bundle (a directory with {@code manifest.json}) is at {@code dirUri}. */
  public static boolean exists(String dirUri, Configuration hadoopConf) {
    StoreFs.Located at = StoreFs.locate(dirUri, hadoopConf);
    try {
      return at.fs().exists(new Path(at.path(), Bundle.MANIFEST_FILE));
    } catch (IOException e) {
      throw new BitswitchException("cannot look for a bundle at " + at.path() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads and fully validates the bundle in directory {@code dirUri}.
   *
   * @throws CorruptDataException "no bundle at …" when the directory or its manifest is missing
   *     (a directory without manifest.json is an unfinished publish and counts as absent), and
   *     the checks of {@link Bundle#decode} otherwise, prefixed with the location
   * @throws BitswitchException when the file system fails
   */
  public static Bundle read(String dirUri, Configuration hadoopConf) {
    StoreFs.Located at = StoreFs.locate(dirUri, hadoopConf);
    FileSystem fs = at.fs();
    Path dir = at.path();
    byte[] manifest;
    byte[] tensors;
    try {
      Path manifestPath = new Path(dir, Bundle.MANIFEST_FILE);
      if (!fs.exists(manifestPath)) {
        throw new CorruptDataException("no bundle at " + dir + ": " + (fs.exists(dir)
            ? "the directory has no " + Bundle.MANIFEST_FILE + " (an unfinished publish is not a bundle)"
            : "it does not exist"));
      }
      Path tensorsPath = new Path(dir, Bundle.TENSORS_FILE);
      if (!fs.exists(tensorsPath)) {
        throw new CorruptDataException("bundle at " + dir + " has " + Bundle.MANIFEST_FILE + " but no "
            + Bundle.TENSORS_FILE);
      }
      manifest = StoreFs.readAll(fs, manifestPath);
      tensors = StoreFs.readAll(fs, tensorsPath);
    } catch (IOException e) {
      throw new BitswitchException("cannot read bundle at " + dir + ": " + e.getMessage(), e);
    }
    try {
      return Bundle.decode(manifest, tensors);
    } catch (CorruptDataException e) {
      throw new CorruptDataException("bundle at " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Publishes {@code bundle} as directory {@code dirUri}, atomically (see the class comment).
   *
   * @param replace whether an existing bundle there may be replaced
   * @throws InvalidInputException when a bundle exists and {@code replace} is false, or the target
   *     is a file or a directory holding files other than a bundle's
   * @throws BitswitchException when the file system fails (an existing bundle is then untouched)
   */
  public static void publish(Bundle bundle, String dirUri, Configuration conf, boolean replace) {
    StoreFs.Located at = StoreFs.locate(dirUri, conf);
    publish(bundle, at, replace, at.renameIsAtomic());
  }

  /** As {@link #publish(Bundle, String, Configuration, boolean)}, choosing the strategy: for tests. */
  static void publish(Bundle bundle, String dirUri, Configuration conf, boolean replace, boolean atomicRename) {
    publish(bundle, StoreFs.locate(dirUri, conf), replace, atomicRename);
  }

  private static void publish(Bundle bundle, StoreFs.Located at, boolean replace, boolean atomicRename) {
    // Encode before touching the file system: nothing is written for a bundle that cannot be.
    Map<String, byte[]> files = bundle.encode();
    FileSystem fs = at.fs();
    Path target = at.path();
    Path parent = target.getParent();
    if (parent == null) {
      throw new InvalidInputException("cannot publish a bundle at the root of a file system: " + target);
    }
    try {
      TargetState state = inspectTarget(fs, target, replace);
      if (atomicRename) {
        publishByRename(fs, files, target, parent, state);
      } else {
        publishInPlace(fs, files, target, state);
      }
    } catch (IOException e) {
      throw new BitswitchException("could not publish bundle to " + target + ": " + e.getMessage(), e);
    } catch (FSError e) {
      throw new BitswitchException("could not publish bundle to " + target + ": " + RunFiles.causeMessage(e), e);
    }
  }

  private enum TargetState { ABSENT, UNFINISHED, BUNDLE }

  private static TargetState inspectTarget(FileSystem fs, Path target, boolean replace) throws IOException {
    if (!fs.exists(target)) {
      return TargetState.ABSENT;
    }
    FileStatus st = fs.getFileStatus(target);
    if (!st.isDirectory()) {
      throw new InvalidInputException("cannot publish a bundle at " + target + ": it is a file");
    }
    if (fs.exists(new Path(target, Bundle.MANIFEST_FILE))) {
      if (!replace) {
        throw new InvalidInputException("a bundle already exists at " + target
            + "; refusing to replace it (use a new run id or allow replacing)");
      }
      return TargetState.BUNDLE;
    }
    // A manifest-less directory is absent as a bundle; reuse it only if it holds nothing but what
    // an unfinished publish leaves, so that a mistyped path never deletes unrelated files.
    for (FileStatus child : fs.listStatus(target)) {
      if (!child.isFile() || !child.getPath().getName().equals(Bundle.TENSORS_FILE)) {
        throw new InvalidInputException("cannot publish a bundle at " + target + ": the directory exists,"
            + " is not a bundle, and holds other files (" + child.getPath().getName() + ")");
      }
    }
    return TargetState.UNFINISHED;
  }

  private static void publishByRename(FileSystem fs, Map<String, byte[]> files, Path target, Path parent,
      TargetState state) throws IOException {
    String id = UUID.randomUUID().toString();
    Path tmp = new Path(parent, "." + target.getName() + ".tmp-" + id);
    try {
      fs.mkdirs(parent);
      if (!fs.mkdirs(tmp)) {
        throw new IOException("cannot create " + tmp);
      }
      // Map order is tensors first, manifest last.
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        StoreFs.write(fs, new Path(tmp, f.getKey()), f.getValue(), false);
      }
      FaultPoints.reach(FaultPoints.BUNDLE_BEFORE_RENAME);
      switch (state) {
        case ABSENT -> StoreFs.rename(fs, tmp, target);
        case UNFINISHED -> {
          if (!fs.delete(target, true)) {
            throw new IOException("cannot delete unfinished bundle directory " + target);
          }
          StoreFs.rename(fs, tmp, target);
        }
        case BUNDLE -> swap(fs, tmp, target, new Path(parent, "." + target.getName() + ".old-" + id));
      }
      FaultPoints.reach(FaultPoints.BUNDLE_AFTER_RENAME);
    } catch (IOException | RuntimeException | Error e) { // Error: Hadoop's FSError on a full disk
      StoreFs.deleteQuietly(fs, tmp);
      throw e;
    }
  }

  /** Moves {@code old} aside, {@code fresh} in, then deletes the old one; restores it on failure. */
  private static void swap(FileSystem fs, Path fresh, Path target, Path aside) throws IOException {
    StoreFs.rename(fs, target, aside);
    try {
      StoreFs.rename(fs, fresh, target);
    } catch (IOException | RuntimeException e) {
      try {
        if (!fs.exists(target)) {
          StoreFs.rename(fs, aside, target);
        }
      } catch (IOException | RuntimeException restore) {
        e.addSuppressed(restore);
        throw new IOException(e.getMessage() + "; the previous bundle could not be moved back and is at "
            + aside, e);
      }
      throw e;
    }
    StoreFs.deleteQuietly(fs, aside);
  }

  private static void publishInPlace(FileSystem fs, Map<String, byte[]> files, Path target, TargetState state)
      throws IOException {
    Path manifest = new Path(target, Bundle.MANIFEST_FILE);
    if (state == TargetState.BUNDLE && !fs.delete(manifest, false)) {
      throw new IOException("cannot delete the old " + manifest);
    }
    fs.mkdirs(target);
    try {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        StoreFs.write(fs, new Path(target, f.getKey()), f.getValue(), true);
      }
    } catch (IOException | RuntimeException | Error e) {
      // An object store shows no object whose upload failed; elsewhere a partial file might remain.
      StoreFs.deleteQuietly(fs, manifest);
      throw e;
    }
  }
}
