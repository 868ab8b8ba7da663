/**
 * What a running stage reports as it goes: one {@link io.bitswitch.progress.StepRecord} per
 * training step (the rows of {@code history.csv}), the {@link io.bitswitch.progress.StageListener}
 * the job's metrics implement, and the console {@link io.bitswitch.progress.ProgressPrinter}.
 * It depends on no other bitswitch package, so the stages, the metrics and the run-file writers
 * can all use it without depending on each other (docs/design/architecture.md §1).
 */
package io.bitswitch.progress;
