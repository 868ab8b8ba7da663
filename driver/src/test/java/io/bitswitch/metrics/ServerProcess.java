package io.bitswitch.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real server binary (Prometheus, Pushgateway) run by a test on a loopback port: started, waited
 * for until its ready URL answers, and stopped by {@link #close()}. Its output goes to a log file
 * whose tail is part of every failure message.
 */
final class ServerProcess implements AutoCloseable {
  static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String name;
  private final Process process;
  private final Path log;

  private ServerProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** A port that was free on the loopback interface a moment ago. */
  static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts {@code binary} with {@code args} and waits until {@code ready} answers 200.
   *
   * @param packageName the Debian package that installs the binary, for the failure message
   */
  static ServerProcess start(String name, Path binary, String packageName, List<String> args, URI ready, Path log)
      throws IOException, InterruptedException {
    if (!Files.isExecutable(binary)) {
      fail(RequiredPackages.notFound(packageName, binary) + "; " + RequiredPackages.REMEDY);
    }
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ServerProcess server = new ServerProcess(name, process, log);
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail(name + " exited with " + process.exitValue() + ":\n" + server.logTail());
      }
      try {
        if (get(ready).statusCode() == 200) {
          return server;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    server.close();
    return fail(name + " was not ready at " + ready + " within " + READY_TIMEOUT + ":\n" + server.logTail());
  }

  static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The last lines of the server's output. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return name + " log (" + log + "):\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30),
          lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
