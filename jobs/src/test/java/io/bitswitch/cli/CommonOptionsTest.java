package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bitswitch.InvalidInputException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class CommonOptionsTest {
  @Command(name = "probe")
  static final class Probe {
    @Mixin CommonOptions common;
  }

  private static CommonOptions parse(String... args) {
    Probe probe = new Probe();
    new CommandLine(probe).parseArgs(args);
    return probe.common;
  }

  @Test
  void masterDefaultsToLocalUnlessSparkSubmitSetOne() {
    String before = System.getProperty("spark.master");
    try {
      System.clearProperty("spark.master");
      assertEquals("local[*]", parse().sparkMaster());
      System.setProperty("spark.master", "spark://127.0.0.1:7077");
      assertEquals("spark://127.0.0.1:7077", parse().sparkMaster());
      assertEquals("local[2]", parse("--master", "local[2]").sparkMaster());
    } finally {
      if (before == null) {
        System.clearProperty("spark.master");
      } else {
        System.setProperty("spark.master", before);
      }
    }
  }

  @Test
  void dataDefaultsToTheFashionMnistPackage() {
    assertEquals("/usr/share/datasets/fashion-mnist", parse().dataOrDefault());
    assertEquals("hdfs:///d", parse("--data", "hdfs:///d").dataOrDefault());
  }

  @Test
  void runIdDefaultsToAUtcTimestampAndIsChecked() {
    Clock clock = Clock.fixed(Instant.parse("2025-01-31T23:59:58.123Z"), ZoneOffset.ofHours(5));
    assertEquals("20250131-235958-123", parse().runIdOrNew(clock));
    assertEquals("nightly_2025-01.v2", parse("--run-id", "nightly_2025-01.v2").runIdOrNew(clock));
    assertThrows(InvalidInputException.class, () -> parse("--run-id", "a/b").runId());
    assertThrows(InvalidInputException.class, () -> parse("--run-id", ".hidden").runId());
  }

  @Test
  void setsAndConfigReachTheConfiguration() {
    assertEquals(7, parse("--set", "train.epochs=7", "--set", "bitswitch.train.alrs=false").loadConfig().train().epochs());
  }
}
