package io.bitswitch.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * ReLU's backward pass and 2×2 max pooling forward and backward on the JDK Vector API
 * (docs/PERFORMANCE.md, optimisation 7). Each gives the same floats bit for bit as its scalar loop:
 * selects are exact, and {@code max} is {@code Math.max} per lane, whose result does not depend on
 * the order of a tile's four inputs (NaN wins, +0 over −0; only a NaN's payload could differ).
 * Recomputing a tile writes the same values, so a row's last four tiles can overlap the ones before.
 * Loading this class needs {@code jdk.incubator.vector}; callers check {@link LayerHelpers#VECTOR_LOOPS}
 * first.
 */
final class LayerVectorKernels {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  /** Pooling: eight lanes hold the top (or bottom) inputs of four 2×2 tiles, two lanes per tile. */
  private static final VectorSpecies<Float> EIGHT = FloatVector.SPECIES_256;
  private static final VectorSpecies<Float> FOUR = FloatVector.SPECIES_128;
  /** Tiles per vector step; rows with fewer tiles than this stay on the scalar loop. */
  static final int TILES = 4;
  /** Swaps the two lanes of every tile: the other input of the same tile row. */
  private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromValues(EIGHT, 1, 0, 3, 2, 5, 4, 7, 6);
  /** Lane 2t to lane t: one value per tile in the low four lanes. */
  private static final VectorShuffle<Float> ONE_PER_TILE = VectorShuffle.fromValues(EIGHT, 0, 2, 4, 6, 0, 2, 4, 6);
  /** Lane t to lanes 2t and 2t + 1: a tile's value on both of its lanes. */
  private static final VectorShuffle<Float> TWO_PER_TILE = VectorShuffle.fromValues(EIGHT, 0, 0, 1, 1, 2, 2, 3, 3);
  /** The lanes of a tile's left column. */
  private static final VectorMask<Float> LEFT = VectorMask.fromValues(EIGHT, true, false, true, false, true, false,
      true, false);
  private static final VectorMask<Float> RIGHT = LEFT.not();

  private LayerVectorKernels() {}

  /** Whether the machine has 256-bit float vectors, which the pooling kernels are written for. */
  static boolean wideVectors() {
    return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
  }

  /** {@link ReluLayer#backward}: dx = dy where x &gt; 0, else +0. */
  static void reluBackward(float[] x, float[] dy, float[] dx) {
    FloatVector zero = FloatVector.zero(F);
    int i = 0;
    for (int end = F.loopBound(x.length); i < end; i += F.length()) {
      FloatVector xs = FloatVector.fromArray(F, x, i);
      zero.blend(FloatVector.fromArray(F, dy, i), xs.compare(VectorOperators.GT, 0f)).intoArray(dx, i);
    }
    ReluLayer.backwardScalar(x, dy, dx, i);
  }

  /**
   * {@link MaxPoolingHelper#forward} for 2×2 tiles, four tiles at a time (rows of at least four tiles): the row-wise maximum of
   * the two rows, then of each lane and its neighbour in the tile, one lane per tile stored.
   */
  static void maxPool2x2Forward(float[] x, int planes, int h, int w, float[] y) {
    int ow = w / 2;
    for (int row = 0, rows = planes * (h / 2); row < rows; row++) {
      int top = 2 * row * w;
      int bottom = top + w;
      int out = row * ow;
      for (int j = 0; j < ow; j = nextGroup(j, ow)) {
        FloatVector m = tileMax(FloatVector.fromArray(EIGHT, x, top + 2 * j), FloatVector.fromArray(EIGHT, x, bottom + 2 * j));
        ((FloatVector) m.rearrange(ONE_PER_TILE).reinterpretShape(FOUR, 0)).intoArray(y, out + j);
      }
    }
  }

  /** The first tile of the group after the one at {@code j}: four on, or the row's last four (overlapping). */
  private static int nextGroup(int j, int ow) {
    int next = j + TILES;
    return next >= ow || next + TILES <= ow ? next : ow - TILES;
  }

  /**
   * {@link MaxPoolingHelper#backward} for 2×2 tiles, four tiles at a time (rows of at least four tiles), with the scalar loop's
   * rule: of a tile's inputs in the order top left, top right, bottom left, bottom right, the
   * first equal to the tile's maximum gets its gradient (none equal, in a NaN tile: the last).
   */
  static void maxPool2x2Backward(float[] x, float[] dy, int planes, int h, int w, float[] dx) {
    int ow = w / 2;
    FloatVector zero = FloatVector.zero(EIGHT);
    for (int row = 0, rows = planes * (h / 2); row < rows; row++) {
      int top = 2 * row * w;
      int bottom = top + w;
      int out = row * ow;
      for (int j = 0; j < ow; j = nextGroup(j, ow)) {
        FloatVector t = FloatVector.fromArray(EIGHT, x, top + 2 * j);
        FloatVector b = FloatVector.fromArray(EIGHT, x, bottom + 2 * j);
        FloatVector m = tileMax(t, b);
        FloatVector g = ((FloatVector) FloatVector.fromArray(FOUR, dy, out + j).reinterpretShape(EIGHT, 0))
            .rearrange(TWO_PER_TILE);
        VectorMask<Float> top0 = t.eq(m);
        VectorMask<Float> topPartner = t.rearrange(SWAP_PAIRS).eq(m);
        // Left column: its own test; right column: only if the left one of its row did not win.
        VectorMask<Float> topWins = top0.and(LEFT.or(topPartner.not()));
        // Bottom row: only when the top row had no winner; bottom left by its test, bottom right unless bottom left won.
        VectorMask<Float> bottomWins = top0.or(topPartner).not().and(
            LEFT.and(b.eq(m)).or(RIGHT.and(b.rearrange(SWAP_PAIRS).eq(m).not())));
        zero.blend(g, topWins).intoArray(dx, top + 2 * j);
        zero.blend(g, bottomWins).intoArray(dx, bottom + 2 * j);
      }
    }
  }

  /** Every lane: the maximum of its tile, given the tiles' top and bottom rows. */
  private static FloatVector tileMax(FloatVector top, FloatVector bottom) {
    FloatVector columns = top.max(bottom);
    return columns.max(columns.rearrange(SWAP_PAIRS));
  }
}
