package io.bitswitch.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafetensorsTest {

  private static List<Tensor> allDtypes() {
    return List.of(
        Tensor.ofFloats("f", new int[] {2, 3}, new float[] {0f, -1.5f, 3.25f, Float.MIN_VALUE, -0f, 1e30f}),
        Tensor.ofBytes("codes", new int[] {4}, new byte[] {-128, -1, 0, 127}),
        Tensor.ofUnsignedBytes("u", new int[] {3}, new byte[] {0, (byte) 200, (byte) 255}),
        Tensor.ofInts("i", new int[] {1, 2}, new int[] {Integer.MIN_VALUE, 123456789}),
        Tensor.ofFloats("scalar", new int[] {}, new float[] {7f}),
        Tensor.ofFloats("empty", new int[] {0, 5}, new float[] {}));
  }

  @Test
  void roundTripsEveryDtypeInOrderWithMetadata() {
    List<Tensor> tensors = allDtypes();
    Map<String, String> metadata = Map.of("format", "bitswitch", "note", "ü → unicode");
    Safetensors.Contents c = Safetensors.read(Safetensors.write(tensors, metadata));
    assertEquals(tensors, c.tensors());
    assertEquals(metadata, c.metadata());
    assertArrayEquals(new float[] {0f, -1.5f, 3.25f, Float.MIN_VALUE, -0f, 1e30f}, c.tensor("f").orElseThrow().floats());
    assertArrayEquals(new byte[] {-128, -1, 0, 127}, c.tensor("codes").orElseThrow().codes());
    assertArrayEquals(new int[] {Integer.MIN_VALUE, 123456789}, c.tensor("i").orElseThrow().ints());
    assertEquals(DType.U8, c.tensor("u").orElseThrow().dtype());
    assertEquals(1, c.tensor("scalar").orElseThrow().elementCount());
  }

  @Test
  void writesDeterministicAlignedBytes() {
    Map<String, String> m1 = new HashMap<>();
    m1.put("b", "2");
    m1.put("a", "1");
    Map<String, String> m2 = new java.util.LinkedHashMap<>();
    m2.put("a", "1");
    m2.put("b", "2");
    byte[] x = Safetensors.write(allDtypes(), m1);
    byte[] y = Safetensors.write(allDtypes(), m2);
    assertArrayEquals(x, y);
    long n = ByteBuffer.wrap(x, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, (8 + n) % 8, "data section starts 8-byte aligned");
    String header = new String(x, 8, (int) n, StandardCharsets.UTF_8);
    assertTrue(header.startsWith("{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\"},\"f\":{\"dtype\":\"F32\",\"shape\":[2,3],"
        + "\"data_offsets\":[0,24]}"), header);
    // The data section holds the tensors back to back in the given order, little-endian.
    assertEquals(Float.floatToRawIntBits(-1.5f),
        ByteBuffer.wrap(x, (int) (8 + n) + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
  }

  @Test
  void writesTheDocumentedExampleByteForByte() {
    byte[] f = Safetensors.write(List.of(Tensor.ofBytes("q", new int[] {2}, new byte[] {-1, 3})), Map.of());
    assertEquals(66, f.length);
    assertArrayEquals(new byte[] {0x38, 0, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(f, 0, 8));
    assertEquals("{\"q\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}   ",
        new String(f, 8, 56, StandardCharsets.UTF_8));
    assertArrayEquals(new byte[] {-1, 3}, java.util.Arrays.copyOfRange(f, 64, 66));
  }

  @Test
  void writerRefusesDuplicateNames() {
    Tensor t = Tensor.ofFloats("w", new int[] {1}, new float[] {1});
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Safetensors.write(List.of(t, t), Map.of()));
    assertTrue(e.getMessage().contains("two tensors are named 'w'"), e.getMessage());
  }

  /** A file with the given header (unpadded) and data section. */
  static byte[] file(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return b.array();
  }

  private static String rejected(byte[] file) {
    return assertThrows(CorruptDataException.class, () -> Safetensors.read(file)).getMessage();
  }

  @Test
  void acceptsAHandWrittenFile() {
    Safetensors.Contents c = Safetensors.read(file(
        "{\"b\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[4,6]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}  ", 6));
    assertEquals(List.of("b", "a"), c.tensors().stream().map(Tensor::name).toList());
  }

  @Test
  void rejectsTruncatedFile() {
    assertTrue(rejected(new byte[] {1, 0, 0}).contains("truncated: 3 bytes, shorter than its 8-byte header length"));
  }

  @Test
  void rejectsHeaderLengthPastTheEnd() {
    byte[] f = file("{}", 0);
    f[0] = 100;
    assertTrue(rejected(f).contains("header length 100 runs past the end of the file"));
    byte[] huge = file("{}", 0);
    for (int i = 0; i < 8; i++) {
      huge[i] = (byte) 0xFF;
    }
    assertTrue(rejected(huge).contains("header length 18446744073709551615 runs past the end"));
  }

  @Test
  void rejectsMalformedJson() {
    assertTrue(rejected(file("{\"a\": {\"dtype\": \"F32\",", 0)).contains("header is malformed JSON"));
    assertTrue(rejected(file("{} x", 0)).contains("header is malformed JSON"));
    assertTrue(rejected(file("[1, 2]", 0)).contains("header is not a JSON object"));
  }

  @Test
  void rejectsUnknownDtype() {
    String msg = rejected(file("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2));
    assertTrue(msg.contains("unknown dtype 'F16'; supported: I8, U8, I32, F32"), msg);
  }

  @Test
  void rejectsOverlappingOffsets() {
    String msg = rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
    assertTrue(msg.contains("data_offsets of tensors 'a' [0, 8] and 'b' [4, 8] overlap"), msg);
  }

  @Test
  void rejectsOffsetsThatExceedTheData() {
    String msg = rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 8));
    assertTrue(msg.contains("'a' data_offsets [4, 12] exceed the data section of 8 bytes"), msg);
  }

  @Test
  void rejectsByteLengthNotMatchingShape() {
    String msg = rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
    assertTrue(msg.contains("'a' byte length 8 does not match shape [3] of F32 (12 bytes)"), msg);
  }

  @Test
  void rejectsDuplicateNames() {
    String entry = "{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}";
    String msg = rejected(file("{\"a\":" + entry + ",\"a\":" + entry + "}", 1));
    assertTrue(msg.contains("names tensor 'a' more than once"), msg);
  }

  @Test
  void rejectsMalformedEntries() {
    assertTrue(rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0))
        .contains("invalid dimension -1"));
    assertTrue(rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4))
        .contains("invalid data_offsets [4, 0]"));
    assertTrue(rejected(file("{\"\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0))
        .contains("a tensor with an empty name"));
    assertTrue(rejected(file("{\"__metadata__\":{\"k\":1}}", 0))
        .contains("metadata value of 'k' is not a string"));
  }
}
