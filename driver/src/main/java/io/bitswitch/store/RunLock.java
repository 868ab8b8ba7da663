package io.bitswitch.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.BitswitchException;
import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive lease on a run directory (docs/design/architecture.md §5, "Lock"): the file
 * {@value #FILE} in it, created only if absent (atomically: {@link FileSystem#create(Path, boolean)}
 * without overwrite on HDFS, {@code O_EXCL} on local disks). It holds the owner (host, pid, start time), a token,
 * and a heartbeat time that a daemon thread refreshes; a lock whose heartbeat is older than the
 * timeout belongs to a process that died and is taken over. Close it to release it.
 */
public final class RunLock implements AutoCloseable {
  /** Name of the lock file inside the run directory. */
  public static final String FILE = ".lock";

  private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FileSystem fs;
  private final Path file;
  private final Configuration conf;
  private final Clock clock;
  private final Map<String, Object> owner;
  private final String token;
  private final ScheduledExecutorService heartbeat;

  private RunLock(FileSystem fs, Path file, Configuration conf, Clock clock, Map<String, Object> owner,
      String token, Duration heartbeatEvery) {
    this.fs = fs;
    this.file = file;
    this.conf = conf;
    this.clock = clock;
    this.owner = owner;
    this.token = token;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bitswitch-run-lock-heartbeat");
      t.setDaemon(true); // a JVM that exits must not wait for the heartbeat; the lock then goes stale
      return t;
    });
    long millis = Math.max(1, heartbeatEvery.toMillis());
    heartbeat.scheduleAtFixedRate(this::beat, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the lock of {@code runDirUri}, creating the directory if needed.
   *
   * @param staleAfter a lock whose heartbeat is older than this is taken over; the heartbeat is
   *     refreshed at a third of it
   * @throws InvalidInputException when another process holds the lock, naming it
   * @throws BitswitchException when the file system fails
   */
  public static RunLock acquire(String runDirUri, Duration staleAfter, Configuration conf) {
    return acquire(runDirUri, staleAfter, conf, Clock.systemUTC(), staleAfter.dividedBy(3));
  }

  static RunLock acquire(String runDirUri, Duration staleAfter, Configuration conf, Clock clock,
      Duration heartbeatEvery) {
    StoreFs.Located dir = StoreFs.locate(runDirUri, conf);
    FileSystem fs = dir.fs();
    Path file = new Path(dir.path(), FILE);
    Map<String, Object> owner = new LinkedHashMap<>();
    owner.put("host", hostName());
    owner.put("pid", ProcessHandle.current().pid());
    owner.put("started", clock.instant().toString());
    String token = UUID.randomUUID().toString();
    try {
      makeRunDir(fs, dir.path(), runDirUri);
      if (!create(fs, file, content(owner, token, clock.instant()))) {
        JsonNode held = read(fs, file);
        // A lock without a readable heartbeat may be one whose creator is still writing it: its
        // file time stands in for the heartbeat.
        Instant beat = held == null ? null : heartbeatOf(held);
        if (beat == null) {
          beat = modified(fs, file);
        }
        if (beat != null && Duration.between(beat, clock.instant()).compareTo(staleAfter) <= 0) {
          throw new InvalidInputException("run directory " + runDirUri + " is locked by "
              + (held == null ? "a process still writing its lock" : describe(held))
              + " (" + file + "); wait for that run to end, or remove the file if its process is gone (a lock "
              + "whose heartbeat is older than " + staleAfter.toSeconds() + " s is taken over)");
        }
        takeOver(fs, file, held);
        if (!create(fs, file, content(owner, token, clock.instant()))) {
          throw new InvalidInputException("run directory " + runDirUri + " was locked by another process while "
              + "this one took over its stale lock (" + file + ")");
        }
        LOG.warn("took over the stale lock {} of {}", file, held == null ? "an unreadable owner" : describe(held));
      }
    } catch (AccessControlException | AccessDeniedException e) {
      throw notWritable(runDirUri, e);
    } catch (IOException e) {
      throw new BitswitchException("cannot lock " + file + ": " + e.getMessage(), e);
    }
    return new RunLock(fs, file, conf, clock, owner, token, heartbeatEvery);
  }

  /**
   * Whether a live process holds the lock of {@code runDirUri}: its lock file exists and its
   * heartbeat (its file time while unreadable) is not older than {@code staleAfter}. For pruning
   * old runs, which must never delete a run that is being written.
   *
   * @throws BitswitchException when the file system fails
   */
  public static boolean isHeld(String runDirUri, Duration staleAfter, Configuration conf) {
    StoreFs.Located dir = StoreFs.locate(runDirUri, conf);
    Path file = new Path(dir.path(), FILE);
    try {
      if (!dir.fs().exists(file)) {
        return false;
      }
    } catch (IOException e) {
      throw new BitswitchException("cannot look for the lock " + file + ": " + e.getMessage(), e);
    }
    JsonNode held = read(dir.fs(), file);
    Instant beat = held == null ? null : heartbeatOf(held);
    if (beat == null) {
      beat = modified(dir.fs(), file);
    }
    return beat != null && Duration.between(beat, Instant.now()).compareTo(staleAfter) <= 0;
  }

  /**
   * Creates the run directory. A directory that cannot be made (an ancestor is a file, no
   * permission) is found here, before any training: the run could never write its results there.
   */
  private static void makeRunDir(FileSystem fs, Path dir, String runDirUri) throws IOException {
    try {
      if (!fs.mkdirs(dir)) {
        throw new InvalidInputException("cannot create the run directory " + runDirUri + "; is --out writable?");
      }
    } catch (FileAlreadyExistsException | ParentNotDirectoryException | AccessControlException
        | AccessDeniedException e) {
      throw notWritable(runDirUri, e);
    }
  }

  private static InvalidInputException notWritable(String runDirUri, IOException e) {
    return new InvalidInputException("cannot write to the run directory " + runDirUri + " (is --out writable?): "
        + e.getMessage());
  }

  /** Releases the lock: stops the heartbeat and deletes the file if it is still this lock's. */
  @Override
  public void close() {
    // shutdown, not shutdownNow: a beat in progress finishes (interrupted, it could leave its
    // temporary file behind); only one that hangs past the wait is interrupted.
    heartbeat.shutdown();
    try {
      if (!heartbeat.awaitTermination(10, TimeUnit.SECONDS)) {
        heartbeat.shutdownNow();
      }
      JsonNode held = read(fs, file);
      if (held != null && token.equals(held.path("token").asText())) {
        fs.delete(file, false);
      } else {
        LOG.warn("lock {} is no longer this run's; left as it is", file);
      }
    } catch (IOException e) {
      LOG.warn("could not release the lock {}: {}", file, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Refreshes the heartbeat, atomically (a temporary file renamed over the lock), while the lock is ours. */
  private void beat() {
    try {
      JsonNode held = read(fs, file);
      if (held == null || !token.equals(held.path("token").asText())) {
        LOG.warn("lock {} was taken over by {}; heartbeat stopped", file, held == null ? "nobody" : describe(held));
        heartbeat.shutdown();
        return;
      }
      Path tmp = new Path(file.getParent(), FILE + ".tmp-" + UUID.randomUUID());
      try {
        StoreFs.write(fs, tmp, content(owner, token, clock.instant()), false);
        StoreFs.replace(fs, tmp, file, conf);
      } catch (IOException | RuntimeException e) {
        // Also when writing failed part-way (a full disk): no temporary is left behind.
        StoreFs.deleteQuietly(fs, tmp);
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      // One missed beat is harmless; the next one retries before the lock goes stale.
      LOG.warn("could not refresh the lock {}: {}", file, e.toString());
    }
  }

  /**
   * Moves a stale lock aside under a unique name: a rename succeeds for one process only, so two
   * processes taking over the same stale lock cannot both win. A file that turns out to be another
   * lock than the stale one read (taken in between) is put back.
   */
  private static void takeOver(FileSystem fs, Path file, JsonNode stale) throws IOException {
    Path aside = new Path(file.getParent(), FILE + ".stale-" + UUID.randomUUID());
    if (!fs.rename(file, aside)) {
      return; // gone already; create() decides
    }
    JsonNode moved = read(fs, aside);
    String staleToken = stale == null ? null : stale.path("token").asText();
    if (stale != null && moved != null && !staleToken.equals(moved.path("token").asText())) {
      fs.rename(aside, file);
      throw new InvalidInputException("run directory " + file.getParent() + " is locked by " + describe(moved)
          + " (" + file + ")");
    }
    fs.delete(aside, false);
  }

  /**
   * Creates {@code file} with {@code content} unless it exists; false when it exists. Hadoop's
   * local file system checks and then opens, so two processes could both create; on local disks
   * the file is therefore created with {@code O_EXCL} ({@link StandardOpenOption#CREATE_NEW}). HDFS's
   * {@code create} without overwrite is atomic itself.
   */
  private static boolean create(FileSystem fs, Path file, byte[] content) throws IOException {
    if (fs instanceof RawLocalFileSystem local) {
      try (OutputStream out = Files.newOutputStream(local.pathToFile(file).toPath(), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        out.write(content);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(file, false)) {
      out.write(content);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(file)) {
        return false; // some file systems report "exists" as a plain IOException
      }
      throw e;
    }
  }

  private static byte[] content(Map<String, Object> owner, String token, Instant heartbeat) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>(owner);
    json.put("token", token);
    json.put("heartbeat", heartbeat.toString());
    return (JSON.writeValueAsString(json) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** The lock file's content, or null when it is gone or unreadable (a half-written lock counts as stale). */
  private static JsonNode read(FileSystem fs, Path file) {
    try {
      return JSON.readTree(StoreFs.readAll(fs, file));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Instant modified(FileSystem fs, Path file) {
    try {
      return Instant.ofEpochMilli(fs.getFileStatus(file).getModificationTime());
    } catch (IOException e) {
      return null; // gone: create() decides
    }
  }

  private static Instant heartbeatOf(JsonNode lock) {
    try {
      return Instant.parse(lock.path("heartbeat").asText());
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String describe(JsonNode lock) {
    return "host " + lock.path("host").asText("?") + ", pid " + lock.path("pid").asText("?") + ", started "
        + lock.path("started").asText("?") + ", last heartbeat " + lock.path("heartbeat").asText("?");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
