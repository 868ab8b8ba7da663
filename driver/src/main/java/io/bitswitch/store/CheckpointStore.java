package io.bitswitch.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Safetensors;
import io.bitswitch.bundle.Tensor;
import io.bitswitch.store.StoreFs.Located;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Resumable training state under a run's {@code state/} directory (docs/design/architecture.md §5):
 * {@code state/step-000123/state.safetensors} holds named float arrays (parameters, optimiser
 * moments) and string metadata; {@code state/step-000123/manifest.json}, written last, commits the
 * step with the SHA-256 of the tensors file. A step directory without its manifest was interrupted
 * and is ignored; a committed one whose checksum fails is an error, never silently skipped. Only
 * the newest {@link #KEEP} committed steps are kept.
 */
public final class CheckpointStore {
  /** Committed checkpoints kept per run. */
  public static final int KEEP = 2;
  private static final String PREFIX = "step-";
  private static final String STATE_FILE = "state.safetensors";
  private static final String MANIFEST_FILE = "manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private CheckpointStore() {}

  /**
   * One committed checkpoint.
   *
   * @param step training steps completed
   * @param arrays named float arrays
   * @param metadata string metadata
   */
  public record Checkpoint(int step, Map<String, float[]> arrays, Map<String, String> metadata) {}

  /**
   * Writes and commits the checkpoint of {@code step}, then prunes older ones.
   *
   * @return the bytes written (tensors file and manifest)
   */
  public static long save(String stateDirUri, int step, Map<String, float[]> arrays, Map<String, String> metadata,
      Configuration conf) {
    Located dir = StoreFs.locate(stateDirUri, conf);
    Path stepDir = new Path(dir.path(), String.format("%s%06d", PREFIX, step));
    List<Tensor> tensors = new ArrayList<>();
    arrays.forEach((name, values) -> tensors.add(Tensor.ofFloats(name, new int[] {values.length}, values)));
    Map<String, String> meta = new LinkedHashMap<>(metadata);
    meta.put("step", Integer.toString(step));
    byte[] state = Safetensors.write(tensors, meta);
    boolean stepCommitted = false;
    try {
      FileSystem fs = dir.fs();
      StoreFs.deleteQuietly(fs, stepDir);
      fs.mkdirs(stepDir);
      StoreFs.write(fs, new Path(stepDir, STATE_FILE), state, true);
      FaultPoints.reach(FaultPoints.CHECKPOINT_BEFORE_COMMIT);
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("step", step);
      manifest.put("stateSha256", Bundle.sha256Hex(state));
      byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
      StoreFs.write(fs, new Path(stepDir, MANIFEST_FILE), manifestBytes, true);
      stepCommitted = true;
      List<Integer> committed = committedSteps(fs, dir.path());
      for (int i = 0; i < committed.size() - KEEP; i++) {
        StoreFs.deleteQuietly(fs, new Path(dir.path(), String.format("%s%06d", PREFIX, committed.get(i))));
      }
      return state.length + manifestBytes.length;
    } catch (IOException e) {
      deleteUncommitted(dir.fs(), stepDir, stepCommitted);
      throw new BitswitchException("cannot write checkpoint of step " + step + " under " + stateDirUri + ": "
          + e.getMessage(), e);
    } catch (FSError e) {
      deleteUncommitted(dir.fs(), stepDir, stepCommitted);
      throw new BitswitchException("cannot write checkpoint of step " + step + " under " + stateDirUri + ": "
          + RunFiles.causeMessage(e), e);
    } catch (RuntimeException | Error e) {
      deleteUncommitted(dir.fs(), stepDir, stepCommitted);
      throw e;
    }
  }

  /**
   * A step directory whose commit failed is removed (a half-written manifest would read as a
   * corrupt committed checkpoint, and a full disk needs the space); a committed one is kept.
   */
  private static void deleteUncommitted(FileSystem fs, Path stepDir, boolean committed) {
    if (!committed) {
      StoreFs.deleteQuietly(fs, stepDir);
    }
  }

  /** The newest committed checkpoint, or empty when there is none. */
  public static Optional<Checkpoint> latest(String stateDirUri, Configuration conf) {
    Located dir = StoreFs.locate(stateDirUri, conf);
    try {
      FileSystem fs = dir.fs();
      if (!fs.exists(dir.path())) {
        return Optional.empty();
      }
      List<Integer> steps = committedSteps(fs, dir.path());
      if (steps.isEmpty()) {
        return Optional.empty();
      }
      int step = steps.get(steps.size() - 1);
      Path stepDir = new Path(dir.path(), String.format("%s%06d", PREFIX, step));
      Map<?, ?> manifest = JSON.readValue(StoreFs.readAll(fs, new Path(stepDir, MANIFEST_FILE)), Map.class);
      byte[] state = StoreFs.readAll(fs, new Path(stepDir, STATE_FILE));
      if (!Bundle.sha256Hex(state).equals(manifest.get("stateSha256"))) {
        throw new CorruptDataException("checkpoint " + stepDir + " is corrupt: checksum mismatch of " + STATE_FILE);
      }
      Safetensors.Contents contents = Safetensors.read(state);
      Map<String, float[]> arrays = new LinkedHashMap<>();
      for (Tensor t : contents.tensors()) {
        arrays.put(t.name(), t.floats());
      }
      return Optional.of(new Checkpoint(step, arrays, contents.metadata()));
    } catch (IOException e) {
      throw new CorruptDataException("cannot read checkpoint under " + stateDirUri + ": " + e.getMessage(), e);
    }
  }

  private static List<Integer> committedSteps(FileSystem fs, Path dir) throws IOException {
    List<Integer> steps = new ArrayList<>();
    for (FileStatus st : fs.listStatus(dir)) {
      String name = st.getPath().getName();
      if (st.isDirectory() && name.startsWith(PREFIX) && fs.exists(new Path(st.getPath(), MANIFEST_FILE))) {
        try {
          steps.add(Integer.parseInt(name.substring(PREFIX.length())));
        } catch (NumberFormatException ignored) {
          // not a step directory
        }
      }
    }
    steps.sort(Comparator.naturalOrder());
    return steps;
  }
}
