package io.bitswitch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The bulk copies give exactly the floats of ND4J's element-by-element ones, for any layout. */
class NdArraysTest {
  private static float[] slow(INDArray a, char order) {
    return a.dup(order).castTo(DataType.FLOAT).data().asFloat();
  }

  @Test
  void toFloatsEqualsTheElementwiseCopyForEveryLayout() {
    Nd4j.getRandom().setSeed(7);
    INDArray c = Nd4j.rand(DataType.FLOAT, 3, 4, 5, 6).subi(0.5);
    INDArray f = c.dup('f');
    INDArray view = c.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all(), NDArrayIndex.interval(1, 4),
        NDArrayIndex.all());
    INDArray doubles = c.castTo(DataType.DOUBLE);
    for (INDArray a : new INDArray[] {c, f, view, doubles, c.reshape('c', 12, 30)}) {
      for (char order : new char[] {'c', 'f'}) {
        assertArrayEquals(slow(a, order), NdArrays.toFloats(a, order), a.shapeInfoToString() + " " + order);
      }
    }
    // A view's data buffer holds more than the view: the copy must hold the view only.
    assertEquals(view.length(), NdArrays.toFloats(view).length);
  }

  @Test
  void fromFloatsEqualsNd4jCreate() {
    float[] values = new float[2 * 3 * 4];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) Math.sin(i) * 1e3f;
    }
    long[] shape = {2, 3, 4};
    for (char order : new char[] {'c', 'f'}) {
      INDArray expected = Nd4j.create(values, shape, order);
      INDArray actual = NdArrays.fromFloats(values, shape, order);
      assertEquals(expected, actual);
      assertEquals(order, actual.ordering());
      assertArrayEquals(slow(expected, 'c'), slow(actual, 'c'));
    }
    assertThrows(IllegalArgumentException.class, () -> NdArrays.fromFloats(values, 5, 5));
  }

  @Test
  void putWritesAWorkspaceArrayAndReusedBuffersHoldTheCopy() {
    float[] values = new float[2 * 3 * 4];
    for (int i = 0; i < values.length; i++) {
      values[i] = i - 7.25f;
    }
    org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration conf =
        org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration.builder().initialSize(1 << 16).build();
    try (org.nd4j.linalg.api.memory.MemoryWorkspace ws =
        Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "NdArraysTest")) {
      INDArray before = Nd4j.createUninitialized(DataType.FLOAT, 5).assign(3);
      INDArray out = NdArrays.put(Nd4j.createUninitialized(DataType.FLOAT, new long[] {2, 3, 4}, 'c'), values);
      assertArrayEquals(values, slow(out, 'c'));
      assertArrayEquals(new float[] {3, 3, 3, 3, 3}, slow(before, 'c'), "the write stays inside its array");
      float[] reuse = new float[values.length];
      float[] copy = NdArrays.toFloats(out, 'c', reuse);
      org.junit.jupiter.api.Assertions.assertSame(reuse, copy, "a buffer of the right length is filled");
      assertArrayEquals(values, copy);
      assertEquals(values.length, NdArrays.toFloats(out, 'c', new float[values.length + 1]).length,
          "a buffer of another length is not used");
    }
    INDArray view = Nd4j.zeros(DataType.FLOAT, 4, 6).get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
    assertThrows(IllegalArgumentException.class, () -> NdArrays.put(view, new float[12]));
  }

  /**
   * Copying out of a view goes through a temporary dense copy whose native memory only that copy's
   * Java object keeps alive. While another thread collects garbage and allocates native memory of
   * the same size, every copy must still give the view's floats: without the reachability fence in
   * {@link NdArrays#toFloats}, about one call in 5,000 read memory already freed and reused (9 of
   * 40,985 calls in 30 s on a 2-core machine), the cause of rare non-reproducible training runs.
   * Fifteen seconds of calls, so that the defect would show with high probability.
   */
  @Test
  void copiesOutOfTemporariesSurviveConcurrentGarbageCollection() throws InterruptedException {
    int n = 64 * 1024;
    INDArray view = Nd4j.rand(DataType.FLOAT, 2, n).getRow(1);
    float[] expected = slow(view, 'c');
    Thread churn = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        for (int i = 0; i < 20; i++) {
          Nd4j.create(DataType.FLOAT, n).assign(-1f);
        }
        System.gc();
      }
    });
    churn.setDaemon(true);
    churn.start();
    float[] out = new float[n];
    long calls = 0;
    try {
      for (long end = System.nanoTime() + 15_000_000_000L; System.nanoTime() < end; calls++) {
        NdArrays.toFloats(view, 'c', out);
        assertArrayEquals(expected, out, "call " + calls);
      }
    } finally {
      churn.interrupt();
      churn.join();
    }
  }
}
