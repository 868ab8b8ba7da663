package io.bitswitch.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The candidate bit-width set B: validation, parsing, order. */
class BitWidthSetTest {

  private static void assertMessage(InvalidInputException e, String... fragments) {
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"8,6,4,2", "[8, 6, 4, 2]", " [8,6,4,2] ", "2,4,6,8", "[4, 2, 8, 6]"})
  void parsesListsIntoDescendingOrder(String text) {
    BitWidthSet set = BitWidthSet.parse(text);
    assertArrayEquals(new int[] {8, 6, 4, 2}, set.descending());
    assertEquals(8, set.highest());
    assertEquals(2, set.lowest());
    assertEquals(4, set.size());
    assertEquals("[8,6,4,2]", set.toString());
    assertEquals(set, BitWidthSet.parse(set.toString()), "toString round-trips through parse");
    assertEquals(BitWidthSet.of(2, 6, 8, 4), set);
    assertEquals(BitWidthSet.of(2, 6, 8, 4).hashCode(), set.hashCode());
  }

  @Test
  void descendingAccessors() {
    BitWidthSet set = BitWidthSet.of(3, 7, 5);
    assertArrayEquals(new int[] {7, 5, 3}, set.descending());
    assertEquals(7, set.get(0));
    assertEquals(3, set.get(2));
    assertEquals(1, set.indexOf(5));
    assertEquals(-1, set.indexOf(4));
    assertTrue(set.contains(3));
    assertFalse(set.contains(8));
    List<Integer> seen = new ArrayList<>();
    set.forEach(seen::add);
    assertEquals(List.of(7, 5, 3), seen);
    int[] copy = set.descending();
    copy[0] = 2;
    assertEquals(7, set.highest(), "descending() must return a copy");
  }

  @Test
  void singleElementIsAnOrdinarySet() {
    BitWidthSet one = BitWidthSet.parse("4");
    assertEquals(4, one.highest());
    assertEquals(4, one.lowest());
    assertEquals(1, one.size());
    assertEquals(one, BitWidthSet.of(4));
    assertEquals(BitWidthSet.of(2), BitWidthSet.parse("[2]"));
    assertEquals(BitWidthSet.of(8), BitWidthSet.parse("8"));
  }

  @Test
  void refusesNonIntegers() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> BitWidthSet.parse("8,4.5,2"));
    assertMessage(e, "4.5", "not an integer");
    e = assertThrows(InvalidInputException.class, () -> BitWidthSet.parse("4.5"));
    assertMessage(e, "4.5");
    e = assertThrows(InvalidInputException.class, () -> BitWidthSet.parse("[8, six]"));
    assertMessage(e, "six");
    e = assertThrows(InvalidInputException.class, () -> BitWidthSet.parse("8,,4"));
    assertMessage(e, "not an integer");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 9, 32, 0, -2})
  void refusesWidthsOutsideTwoToEight(int bad) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> BitWidthSet.of(8, bad, 4));
    assertMessage(e, "bit-width " + bad + " ", "2..8");
    e = assertThrows(InvalidInputException.class, () -> BitWidthSet.parse("[6, " + bad + "]"));
    assertMessage(e, "bit-width " + bad + " ");
    e = assertThrows(InvalidInputException.class, () -> BitWidthSet.checkRange(bad));
    assertMessage(e, String.valueOf(bad));
  }

  @Test
  void acceptsEveryWidthFromTwoToEight() {
    for (int b = 2; b <= 8; b++) {
      assertEquals(b, BitWidthSet.checkRange(b));
    }
    assertArrayEquals(new int[] {8, 7, 6, 5, 4, 3, 2}, BitWidthSet.parse("2,3,4,5,6,7,8").descending());
  }

  @Test
  void refusesDuplicates() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> BitWidthSet.of(4, 4));
    assertMessage(e, "4", "more than once");
    e = assertThrows(InvalidInputException.class, () -> BitWidthSet.parse("8,6,8,2"));
    assertMessage(e, "bit-width 8", "more than once");
  }

  @Test
  void refusesEmpty() {
    assertMessage(assertThrows(InvalidInputException.class, () -> BitWidthSet.of()), "empty");
    assertMessage(assertThrows(InvalidInputException.class, () -> BitWidthSet.parse("[]")), "empty");
    assertMessage(assertThrows(InvalidInputException.class, () -> BitWidthSet.parse("  ")), "empty");
    assertThrows(InvalidInputException.class, () -> BitWidthSet.parse(null));
  }
}
