package io.bitswitch.aggregate;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * Sums one partial result per Spark partition in a fixed tree of fan-in {@link #FAN_IN}, so that the
 * driver receives at most {@code FAN_IN} partial sums whatever the partition count, and the float
 * sum is the same bit for bit on every run with the same partition count (docs/design/architecture.md
 * §2, "Reproducible sums"). The trainer's per-precision gradients and the sensitivity stage's probe
 * gradients go through it.
 *
 * <p>The order: while more than {@code FAN_IN} partial sums remain, sum {@code i} joins group
 * {@code i / FAN_IN}; each group is added in index order on an executor and becomes sum {@code g} of
 * the next level. The last {@code FAN_IN} or fewer are added in index order on the driver. With
 * {@code FAN_IN} partitions or fewer there is no shuffle and the order is plain partition order.
 * Spark's own {@code treeAggregate}/{@code reduceByKey} combine in the order tasks finish, which
 * would make the sums irreproducible; here every group is sorted by index before it is added.
 */
public final class TreeSum {
  /** Partial sums added per group; the driver receives at most this many. */
  public static final int FAN_IN = 4;

  private TreeSum() {
  }

  /** Adds {@code other} into {@code into} and returns the sum (which may be {@code into} itself). */
  @FunctionalInterface
  public interface Adder<T> extends Serializable {
    /** {@code into + other}; may modify and return {@code into}, must not modify {@code other}. */
    T add(T into, T other);
  }

  /**
   * The tree sum of {@code parts}, whose partition {@code i} holds exactly one element, partial sum
   * {@code i}. Equal bit for bit to {@link #sequential} of the collected parts.
   */
  public static <T> T sum(JavaRDD<T> parts, Adder<T> adder) {
    JavaRDD<T> level = parts;
    while (level.getNumPartitions() > FAN_IN) {
      int groups = groups(level.getNumPartitions());
      level = level
          .mapPartitionsWithIndex((index, it) -> List.of(new Tuple2<>(index / FAN_IN, new Tuple2<>(index, only(it, index))))
              .iterator(), false)
          .mapToPair(keyed -> keyed)
          .partitionBy(new GroupPartitioner(groups))
          .values()
          .mapPartitions(group -> List.of(inIndexOrder(group, adder)).iterator());
    }
    return addInOrder(level.collect(), adder);
  }

  /**
   * The tree sum of {@code f} applied to the one element of every partition of {@code input}: equal
   * bit for bit to {@link #sum(JavaRDD, Adder)} of {@code input.map(f)}.
   *
   * <p>With {@code FAN_IN} partitions or fewer (the trainer's rounds) it runs as one Spark job
   * through {@code SparkContext.runJob} with named functions. {@code map} and {@code collect} would
   * each wrap their function in a Scala lambda, and Spark's ClosureCleaner re-reads and parses the
   * class file that defines such a lambda on every job, four jobs per training step
   * (docs/PERFORMANCE.md, optimisation 5, measures the round before and after).
   */
  public static <S, T> T sumOf(JavaRDD<S> input, Function<S, T> f, Adder<T> adder) {
    int partitions = input.getNumPartitions();
    if (partitions > FAN_IN) {
      return sum(input.map(f), adder);
    }
    List<Object> indices = new ArrayList<>();
    for (int i = 0; i < partitions; i++) {
      indices.add(i);
    }
    List<T> results = new ArrayList<>(java.util.Collections.nCopies(partitions, null));
    @SuppressWarnings("unchecked")
    scala.collection.immutable.Seq<Object> which =
        (scala.collection.immutable.Seq<Object>) scala.jdk.javaapi.CollectionConverters.asScala(indices).toSeq();
    @SuppressWarnings("unchecked")
    ClassTag<T> anyRef = (ClassTag<T>) (ClassTag<?>) ClassTag.AnyRef();
    input.context().runJob(input.rdd(), new OnlyElement<>(f), which, new InPartitionOrder<>(results), anyRef);
    return addInOrder(results, adder);
  }

  /** The task function of {@link #sumOf}: {@code f} of the partition's only element. */
  private static final class OnlyElement<S, T> extends AbstractFunction2<TaskContext, scala.collection.Iterator<S>, T>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Function<S, T> f;

    OnlyElement(Function<S, T> f) {
      this.f = f;
    }

    @Override
    public T apply(TaskContext context, scala.collection.Iterator<S> partition) {
      int index = context.partitionId();
      if (!partition.hasNext()) {
        throw new IllegalStateException("partition " + index + " has no element");
      }
      S element = partition.next();
      if (partition.hasNext()) {
        throw new IllegalStateException("partition " + index + " has more than one element");
      }
      try {
        return f.call(element);
      } catch (Exception e) {
        throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
      }
    }
  }

  /** The driver-side result handler of {@link #sumOf}: each task's result at its partition index. */
  private static final class InPartitionOrder<T> extends AbstractFunction2<Object, T, BoxedUnit> {
    private final List<T> results;

    InPartitionOrder(List<T> results) {
      this.results = results;
    }

    @Override
    public BoxedUnit apply(Object index, T result) {
      results.set((Integer) index, result);
      return BoxedUnit.UNIT;
    }
  }

  /**
   * As {@link #sum(JavaRDD, Adder)} after {@code lift} turned every partition's result into a
   * partial sum (e.g. float results into double sums): on the executors when a shuffle follows, else
   * on the driver. Equal bit for bit to {@link #sequential} of the lifted, collected parts.
   */
  public static <P, T> T sum(JavaRDD<P> parts, org.apache.spark.api.java.function.Function<P, T> lift, Adder<T> adder) {
    if (parts.getNumPartitions() <= FAN_IN) {
      List<T> lifted = new ArrayList<>();
      for (P part : parts.collect()) {
        try {
          lifted.add(lift.call(part));
        } catch (Exception e) {
          throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
      }
      return addInOrder(lifted, adder);
    }
    return sum(parts.map(lift), adder);
  }

  /**
   * The same tree evaluated in one thread: what {@link #sum} computes, for {@code parts} in index
   * order. Needs no Spark (tests; a reference for the order).
   */
  public static <T> T sequential(List<T> parts, Adder<T> adder) {
    List<T> level = parts;
    while (level.size() > FAN_IN) {
      List<T> next = new ArrayList<>();
      for (int start = 0; start < level.size(); start += FAN_IN) {
        next.add(addInOrder(level.subList(start, Math.min(start + FAN_IN, level.size())), adder));
      }
      level = next;
    }
    return addInOrder(level, adder);
  }

  /** How many groups {@code sums} partial sums form at the next level. */
  static int groups(int sums) {
    return (sums + FAN_IN - 1) / FAN_IN;
  }

  /** A group's (index, partial sum) pairs, which arrive in fetch order, added in index order. */
  static <T> T inIndexOrder(Iterator<Tuple2<Integer, T>> group, Adder<T> adder) {
    List<Tuple2<Integer, T>> members = new ArrayList<>();
    group.forEachRemaining(members::add);
    members.sort(Comparator.comparing(Tuple2::_1));
    return addInOrder(members.stream().map(Tuple2::_2).toList(), adder);
  }

  private static <T> T addInOrder(List<T> parts, Adder<T> adder) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("nothing to sum");
    }
    T total = parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      total = adder.add(total, parts.get(i));
    }
    return total;
  }

  private static <T> T only(Iterator<T> partition, int index) {
    if (!partition.hasNext()) {
      throw new IllegalStateException("partition " + index + " has no partial sum");
    }
    T part = partition.next();
    if (partition.hasNext()) {
      throw new IllegalStateException("partition " + index + " has more than one partial sum");
    }
    return part;
  }

  /** Sends group {@code g} (the key) to reduce partition {@code g}: one reducer per group. */
  static final class GroupPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int groups;

    GroupPartitioner(int groups) {
      this.groups = groups;
    }

    @Override
    public int numPartitions() {
      return groups;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof GroupPartitioner other && other.groups == groups;
    }

    @Override
    public int hashCode() {
      return groups;
    }
  }
}
