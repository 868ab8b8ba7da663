package io.bitswitch.metrics;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * How {@link JobMetrics} retries its final push: a few attempts with exponential backoff, within a
 * bounded total time, so that a Pushgateway restarting at the wrong moment costs no data and an
 * unreachable one delays the end of the job by a bounded time only (docs/OPERATIONS.md).
 *
 * @param attempts attempts in all, at least 1
 * @param firstBackoff wait before the second attempt; each later wait doubles
 * @param budget no attempt starts once this much time has passed since the first (plus the wait
 *     before it would exceed it), so the whole push takes at most about budget + one attempt's timeouts
 */
record PushRetry(int attempts, Duration firstBackoff, Duration budget) {
  /** 4 attempts, waiting 1 s, 2 s and 4 s between them, within 30 s. */
  static final PushRetry DEFAULT = new PushRetry(4, Duration.ofSeconds(1), Duration.ofSeconds(30));

  /** One push. */
  @FunctionalInterface
  interface Attempt {
    /** Pushes once; throws when the push failed. */
    void run() throws IOException;
  }

  PushRetry {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
    }
    if (firstBackoff.isNegative() || budget.isNegative()) {
      throw new IllegalArgumentException("backoff and budget must not be negative");
    }
  }

  /**
   * Runs {@code attempt} until it succeeds, the attempts are used up, or the budget is spent.
   *
   * @return empty after a successful attempt; else one line saying how many attempts failed and
   *     how the last one did
   */
  Optional<String> run(Attempt attempt) {
    long start = System.nanoTime();
    Duration backoff = firstBackoff;
    for (int made = 1; ; made++) {
      Exception failure;
      try {
        attempt.run();
        return Optional.empty();
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      if (made >= attempts || elapsed.plus(backoff).compareTo(budget) > 0) {
        return Optional.of(made + (made == 1 ? " attempt" : " attempts") + " in "
            + String.format(Locale.ROOT, "%.1f", elapsed.toMillis() / 1000.0) + " s, the last: "
            + failure);
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of(made + " attempts, then interrupted; the last: " + failure);
      }
      backoff = backoff.multipliedBy(2);
    }
  }
}
