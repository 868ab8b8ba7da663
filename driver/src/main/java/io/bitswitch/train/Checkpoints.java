package io.bitswitch.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.progress.StageListener;
import io.bitswitch.progress.StepRecord;
import io.bitswitch.store.CheckpointStore;
import io.bitswitch.store.FaultPoints;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;

/**
 * A training stage's checkpoints (docs/design/architecture.md §5): θ, the optimiser state taken
 * with {@link Adam#snapshot()} and given back with {@link Adam#restore(Adam.State)}, and the step,
 * stored through {@link CheckpointStore}. The format: arrays {@code theta}, {@code adam.m},
 * {@code adam.v}; metadata {@code model} (which model and bit-widths wrote it) and
 * {@value #ADAM_STEPS} (Adam's per-segment step counts). A resumed run continues bit-identically.
 */
final class Checkpoints {
  /** Checkpoint metadata key of the optimiser's per-segment step counts (comma-separated, layout order). */
  private static final String ADAM_STEPS = "adamSegmentSteps";
  private static final String MODEL = "model";
  private static final String THETA = "theta";
  /** Checkpoint metadata key of the steps' history up to the checkpoint (JSON array of {@link StepRecord}). */
  static final String HISTORY = "history";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADAM_M = "adam.m";
  private static final String ADAM_V = "adam.v";

  private final Checkpointing settings;
  private final String modelKey;
  private final Configuration hadoop;
  private final StageListener listener;

  /**
   * The checkpoints of one stage.
   *
   * @param modelKey what the checkpoints are of (model and bit-widths); a resume must match it
   * @param listener told of every checkpoint written
   */
  Checkpoints(Checkpointing settings, String modelKey, Configuration hadoop, StageListener listener) {
    this.settings = settings;
    this.modelKey = modelKey;
    this.hadoop = hadoop;
    this.listener = listener;
  }

  /**
   * What a resume restored.
   *
   * @param step training steps the checkpoint had completed
   * @param theta its parameters
   */
  record Resumed(int step, float[] theta, List<StepRecord> history) {}

  /**
   * When resuming: the newest committed checkpoint, with its optimiser state restored into
   * {@code adam}; else null.
   *
   * @param size θ's length in this run's layout
   * @throws InvalidInputException when there is no committed checkpoint to resume from
   * @throws CorruptDataException when the checkpoint is of another model or its optimiser state is unusable
   */
  Resumed resume(Adam adam, int size) {
    if (!settings.resume()) {
      return null;
    }
    CheckpointStore.Checkpoint cp = CheckpointStore.latest(settings.stateUri(), hadoop).orElseThrow(() ->
        new InvalidInputException("--resume: no committed checkpoint under " + settings.stateUri()));
    Map<String, String> meta = cp.metadata();
    if (!modelKey.equals(meta.get(MODEL)) || cp.arrays().get(THETA).length != size) {
      throw new CorruptDataException("checkpoint under " + settings.stateUri() + " was written for "
          + meta.get(MODEL) + ", not for " + modelKey);
    }
    String counts = meta.get(ADAM_STEPS);
    if (counts == null) {
      throw new CorruptDataException("checkpoint under " + settings.stateUri() + " has no per-segment optimiser "
          + "step counts (written by an older bitswitch); start the run again without --resume");
    }
    try {
      long[] steps = counts.isEmpty() ? new long[0]
          : Arrays.stream(counts.split(",")).mapToLong(Long::parseLong).toArray();
      adam.restore(new Adam.State(cp.arrays().get(ADAM_M), cp.arrays().get(ADAM_V), steps));
    } catch (RuntimeException e) {
      throw new CorruptDataException("checkpoint under " + settings.stateUri() + " has unusable optimiser state: "
          + e.getMessage());
    }
    return new Resumed(cp.step(), cp.arrays().get(THETA), history(meta.get(HISTORY)));
  }

  /**
   * The trainer's after-step hook: saves θ and Adam's state every {@code settings.every()} steps
   * and after the last one ({@code totalSteps}); does nothing without a state directory.
   */
  IntConsumer saver(int totalSteps, float[] theta, Adam adam, List<StepRecord> history) {
    return step -> {
      boolean due = settings.every() > 0 && step % settings.every() == 0;
      if (settings.stateUri() != null && (due || step == totalSteps)) {
        save(step, theta, adam, history);
      }
      FaultPoints.reach(FaultPoints.TRAIN_STEP_DONE);
    };
  }

  /**
   * The history a checkpoint holds: the steps up to it, so that a resumed run's
   * {@code history.csv} has every step, not only those after the resume. Empty for a checkpoint
   * written before histories were kept.
   */
  private List<StepRecord> history(String json) {
    if (json == null) {
      return List.of();
    }
    try {
      return List.of(JSON.readValue(json, StepRecord[].class));
    } catch (IOException e) {
      throw new CorruptDataException("checkpoint under " + settings.stateUri() + " has an unreadable history: "
          + e.getMessage());
    }
  }

  private void save(int step, float[] theta, Adam adam, List<StepRecord> history) {
    Adam.State state = adam.snapshot();
    Map<String, float[]> arrays = new LinkedHashMap<>();
    arrays.put(THETA, theta);
    arrays.put(ADAM_M, state.m());
    arrays.put(ADAM_V, state.v());
    String steps = Arrays.stream(state.steps()).mapToObj(Long::toString).collect(Collectors.joining(","));
    long started = System.nanoTime();
    String historyJson;
    try {
      historyJson = JSON.writeValueAsString(history);
    } catch (IOException e) {
      throw new IllegalStateException("step records are plain data", e);
    }
    long bytes = CheckpointStore.save(settings.stateUri(), step, arrays,
        Map.of(MODEL, modelKey, ADAM_STEPS, steps, HISTORY, historyJson), hadoop);
    listener.checkpointWritten(step, (System.nanoTime() - started) / 1e9, bytes);
  }
}
