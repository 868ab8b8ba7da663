package io.bitswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The final push's retries: exponential backoff, a bounded number of attempts and total time, one line on failure. */
class PushRetryTest {
  @Test
  void aPushThatSucceedsAtOnceIsMadeOnce() {
    List<Long> attempts = new ArrayList<>();
    assertEquals(Optional.empty(), new PushRetry(4, Duration.ofMillis(10), Duration.ofSeconds(5))
        .run(() -> attempts.add(System.nanoTime())));
    assertEquals(1, attempts.size());
  }

  @Test
  void failuresAreRetriedWithDoublingWaitsUntilOneSucceeds() {
    List<Long> attempts = new ArrayList<>();
    Optional<String> failure = new PushRetry(4, Duration.ofMillis(50), Duration.ofSeconds(5)).run(() -> {
      attempts.add(System.nanoTime());
      if (attempts.size() < 3) {
        throw new IOException("refused");
      }
    });
    assertEquals(Optional.empty(), failure);
    assertEquals(3, attempts.size());
    long firstWait = attempts.get(1) - attempts.get(0);
    long secondWait = attempts.get(2) - attempts.get(1);
    assertTrue(firstWait >= Duration.ofMillis(50).toNanos(), () -> "first wait " + firstWait);
    assertTrue(secondWait >= Duration.ofMillis(100).toNanos(), () -> "second wait doubles: " + secondWait);
  }

  @Test
  void afterTheLastAttemptTheFailureIsOneLine() {
    List<Long> attempts = new ArrayList<>();
    Optional<String> failure = new PushRetry(3, Duration.ofMillis(1), Duration.ofSeconds(5)).run(() -> {
      attempts.add(System.nanoTime());
      throw new IOException("connection refused");
    });
    assertEquals(3, attempts.size());
    String line = failure.orElseThrow();
    assertTrue(line.startsWith("3 attempts in "), line);
    assertTrue(line.endsWith("java.io.IOException: connection refused"), line);
    assertFalse(line.contains("\n"), line);
  }

  @Test
  void noAttemptStartsAfterTheBudget() {
    List<Long> attempts = new ArrayList<>();
    Optional<String> failure = new PushRetry(10, Duration.ofMillis(200), Duration.ofMillis(300)).run(() -> {
      attempts.add(System.nanoTime());
      throw new IllegalStateException("HTTP 503");
    });
    // waits of 200 ms then 400 ms: the second would end past 300 ms
    assertEquals(2, attempts.size());
    assertTrue(failure.orElseThrow().startsWith("2 attempts"), failure::get);
  }

  @Test
  void nonsenseSettingsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new PushRetry(0, Duration.ZERO, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new PushRetry(1, Duration.ofMillis(-1), Duration.ZERO));
  }
}
