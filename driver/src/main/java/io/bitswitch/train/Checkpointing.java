package io.bitswitch.train;

/**
 * Where and how often training state is checkpointed (docs/design/architecture.md §5).
 *
 * @param stateUri the run's {@code state/} directory; null disables checkpoints
 * @param every steps between checkpoints (0: only the final state)
 * @param resume continue from the newest committed checkpoint under {@code stateUri}
 */
public record Checkpointing(String stateUri, int every, boolean resume) {
  /** No checkpoints. */
  public static final Checkpointing NONE = new Checkpointing(null, 0, false);
}
