package io.bitswitch.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The names of everything {@link JobMetrics} exports, for checking dashboards and alerts against
 * the code. Derived from the registry itself, so the list cannot drift from what is served.
 */
public final class MetricNames {
  private MetricNames() {}

  /**
   * Every series name a PromQL query can select, as the Prometheus text format writes them:
   * counters with {@code _total}, info metrics with {@code _info}, histograms as {@code _bucket},
   * {@code _count} and {@code _sum}, summaries as the quantile series plus {@code _count} and
   * {@code _sum}. Covers the {@code bitswitch_*} series and the process's (JVM, off-heap).
   */
  public static Set<String> exported() {
    Set<String> names = new TreeSet<>();
    for (MetricSnapshot s : snapshots()) {
      String name = family(s);
      if (s instanceof HistogramSnapshot) {
        names.addAll(List.of(name + "_bucket", name + "_count", name + "_sum"));
      } else if (s instanceof SummarySnapshot) {
        names.addAll(List.of(name, name + "_count", name + "_sum"));
      } else {
        names.add(name);
      }
    }
    return names;
  }

  /**
   * The metric family names ({@code # TYPE} lines of the Prometheus text format): as
   * {@link #exported()}, but a histogram or summary once, under its base name.
   */
  public static Set<String> families() {
    Set<String> names = new TreeSet<>();
    for (MetricSnapshot s : snapshots()) {
      names.add(family(s));
    }
    return names;
  }

  private static String family(MetricSnapshot s) {
    String name = s.getMetadata().getPrometheusName();
    if (s instanceof CounterSnapshot) {
      return name + "_total";
    }
    return s instanceof InfoSnapshot ? name + "_info" : name;
  }

  private static Iterable<MetricSnapshot> snapshots() {
    JobMetrics metrics = new JobMetrics(new JobMetrics.Settings("names", "names", "", null, Optional.empty()));
    // Success and failure timestamps and the gates are registered only on their outcome; the list names them all.
    metrics.registerEveryOutcome();
    return metrics.registry().scrape();
  }
}
