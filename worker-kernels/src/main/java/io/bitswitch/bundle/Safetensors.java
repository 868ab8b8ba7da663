package io.bitswitch.bundle;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors container format.
 *
 * <h2>Byte layout</h2>
 *
 * <pre>
 * offset        size  content
 * ------------  ----  -------------------------------------------------------------------------
 * 0             8     N: header length in bytes, unsigned 64-bit integer, little-endian
 *                     (byte 0 is the least significant byte)
 * 8             N     header: UTF-8 JSON object, padded at its end with ASCII spaces (0x20)
 * 8 + N         D     data section: the tensors' raw bytes, D = file length − 8 − N
 * </pre>
 *
 * The header object has one member per tensor and optionally one named {@code "__metadata__"}:
 *
 * <pre>
 * {
 *   "__metadata__": { "key": "value", ... },                 only string values
 *   "conv1.weight.q": {
 *     "dtype": "I8",                                         one of I8, U8, I32, F32
 *     "shape": [8, 1, 3, 3],                                 row-major; [] is a scalar
 *     "data_offsets": [begin, end]                           byte offsets into the data section,
 *   },                                                       relative to its first byte (8 + N);
 *   ...                                                      begin ≤ end, end exclusive
 * }
 * </pre>
 *
 * A tensor's bytes are its elements in row-major order (last dimension fastest), each element
 * little-endian: I8/U8 one byte, I32 four bytes two's complement, F32 four bytes IEEE 754
 * binary32. Tensor names are unique; {@code end − begin = product(shape) · size(dtype)}; the
 * ranges of different tensors do not overlap and lie inside the data section.
 *
 * <p>Example: one I8 tensor {@code q} of shape [2] holding −1 and 3, as this class writes it
 * (66 bytes):
 *
 * <pre>
 * bytes  0..7    38 00 00 00 00 00 00 00       N = 56
 * bytes  8..60   {"q":{"dtype":"I8","shape":[2],"data_offsets":[0,2]}}     53 bytes of JSON
 * bytes 61..63   20 20 20                      padding: 8 + N is a multiple of 8
 * byte  64       FF                            q[0] = −1
 * byte  65       03                            q[1] = 3
 * </pre>
 *
 * <h2>What this writer produces</h2>
 *
 * The same input always gives the same bytes: the header is compact JSON with {@code
 * "__metadata__"} first (omitted when empty, keys sorted), then the tensors in the order given,
 * each with its members in the order {@code dtype, shape, data_offsets}; the data section holds
 * the tensors back to back in that order; the header is padded with spaces so that the data
 * section starts at a multiple of 8 bytes, as the reference implementation does.
 *
 * <h2>What the reader rejects</h2>
 *
 * Each with its own {@link CorruptDataException} message: a file shorter than the 8-byte length
 * field; a header length that runs past the end of the file; a header that is not valid UTF-8
 * JSON or not an object; a duplicate tensor name; an unknown dtype; a malformed shape or offset
 * pair; a byte range whose length does not match shape × dtype; a byte range past the end of the
 * data section; byte ranges of two tensors that overlap; metadata that is not string → string.
 */
public final class Safetensors {
  /** The header member that holds the metadata rather than a tensor. */
  public static final String METADATA_KEY = "__metadata__";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory JSON = MAPPER.getFactory();

  private Safetensors() {}

  /** A parsed file: tensors in the order the header lists them, and the metadata. */
  public record Contents(List<Tensor> tensors, Map<String, String> metadata) {
    /** Copies both collections. */
    public Contents {
      tensors = List.copyOf(tensors);
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The tensor with this name, if any. */
    public Optional<Tensor> tensor(String name) {
      return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** Tensors by name, in file order. */
    public Map<String, Tensor> byName() {
      Map<String, Tensor> m = new LinkedHashMap<>();
      for (Tensor t : tensors) {
        m.put(t.name(), t);
      }
      return Collections.unmodifiableMap(m);
    }
  }

  /**
   * Serializes tensors (in the given order) and metadata. Deterministic: identical arguments give
   * identical bytes.
   *
   * @throws InvalidInputException when two tensors share a name, a tensor is named
   *     {@value #METADATA_KEY}, or metadata holds a null
   */
  public static byte[] write(List<Tensor> tensors, Map<String, String> metadata) {
    Set<String> names = new HashSet<>();
    for (Tensor t : tensors) {
      if (t.name().equals(METADATA_KEY)) {
        throw new InvalidInputException("a tensor may not be named " + METADATA_KEY);
      }
      if (!names.add(t.name())) {
        throw new InvalidInputException("two tensors are named '" + t.name() + "'");
      }
    }
    if (metadata != null) {
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          throw new InvalidInputException("safetensors metadata may not hold null keys or values: " + e);
        }
      }
    }
    byte[] header = header(tensors, metadata == null ? Map.of() : metadata);
    int padded = header.length + (8 - (8 + header.length) % 8) % 8;
    long dataLength = 0;
    for (Tensor t : tensors) {
      dataLength += t.byteSize();
    }
    long total = 8L + padded + dataLength;
    if (total > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException("tensors take " + total + " bytes; a file is limited to 2 GiB");
    }
    byte[] out = new byte[(int) total];
    long n = padded;
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (n >>> (8 * i));
    }
    System.arraycopy(header, 0, out, 8, header.length);
    Arrays.fill(out, 8 + header.length, 8 + padded, (byte) ' ');
    int pos = 8 + padded;
    for (Tensor t : tensors) {
      byte[] d = t.dataUnsafe();
      System.arraycopy(d, 0, out, pos, d.length);
      pos += d.length;
    }
    return out;
  }

  private static byte[] header(List<Tensor> tensors, Map<String, String> metadata) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(bytes)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart(METADATA_KEY);
        for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      long offset = 0;
      for (Tensor t : tensors) {
        g.writeObjectFieldStart(t.name());
        g.writeStringField("dtype", t.dtype().safetensorsName());
        g.writeArrayFieldStart("shape");
        for (int d : t.shape()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(offset);
        g.writeNumber(offset + t.byteSize());
        g.writeEndArray();
        g.writeEndObject();
        offset += t.byteSize();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
    return bytes.toByteArray();
  }

  /** One header entry before its bytes are taken. */
  private record Entry(String name, DType dtype, int[] shape, long begin, long end) {}

  /**
   * Parses a whole file (layout in the class comment).
   *
   * @throws CorruptDataException naming what is wrong
   */
  public static Contents read(byte[] file) {
    if (file.length < 8) {
      throw new CorruptDataException("safetensors file is truncated: " + file.length
          + " bytes, shorter than its 8-byte header length field");
    }
    long n = 0;
    for (int i = 7; i >= 0; i--) {
      n = (n << 8) | (file[i] & 0xFF);
    }
    // n < 0 here means the unsigned value is ≥ 2^63: past any end too.
    if (n < 0 || n > file.length - 8L) {
      throw new CorruptDataException("safetensors header length " + Long.toUnsignedString(n)
          + " runs past the end of the file (" + file.length + " bytes, at most "
          + (file.length - 8) + " available after the length field)");
    }
    int headerLength = (int) n;
    int dataStart = 8 + headerLength;
    long dataLength = file.length - (long) dataStart;

    List<Entry> entries = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    try (JsonParser p = JSON.createParser(file, 8, headerLength)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new CorruptDataException("safetensors header is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        JsonNode value = MAPPER.readTree(p);
        if (!seen.add(name)) {
          throw new CorruptDataException("safetensors header names tensor '" + name
              + "' more than once (duplicate names)");
        }
        if (name.equals(METADATA_KEY)) {
          readMetadata(value, metadata);
        } else {
          entries.add(entry(name, value, dataLength));
        }
      }
      if (p.nextToken() != null) {
        throw new CorruptDataException("safetensors header is malformed JSON: content after the"
            + " closing brace");
      }
    } catch (JacksonException e) {
      throw new CorruptDataException("safetensors header is malformed JSON: "
          + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new CorruptDataException("safetensors header cannot be read: " + e.getMessage(), e);
    }

    checkOverlaps(entries);
    List<Tensor> tensors = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      byte[] data = Arrays.copyOfRange(file, dataStart + (int) e.begin, dataStart + (int) e.end);
      tensors.add(Tensor.wrap(e.name, e.dtype, e.shape, data));
    }
    return new Contents(tensors, metadata);
  }

  private static void readMetadata(JsonNode value, Map<String, String> out) {
    if (!value.isObject()) {
      throw new CorruptDataException("safetensors " + METADATA_KEY + " is not a JSON object");
    }
    for (Map.Entry<String, JsonNode> e : value.properties()) {
      if (!e.getValue().isTextual()) {
        throw new CorruptDataException("safetensors metadata value of '" + e.getKey()
            + "' is not a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
  }

  private static Entry entry(String name, JsonNode v, long dataLength) {
    if (name.isEmpty()) {
      throw new CorruptDataException("safetensors header has a tensor with an empty name");
    }
    if (!v.isObject()) {
      throw new CorruptDataException("safetensors header entry of tensor '" + name
          + "' is not a JSON object");
    }
    JsonNode dtypeNode = v.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new CorruptDataException("tensor '" + name + "' has no dtype string");
    }
    DType dtype = DType.fromSafetensorsName(dtypeNode.textValue()).orElseThrow(() ->
        new CorruptDataException("tensor '" + name + "' has unknown dtype '" + dtypeNode.textValue()
            + "'; supported: " + DType.supportedNames()));

    JsonNode shapeNode = v.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw new CorruptDataException("tensor '" + name + "' has no shape array");
    }
    int[] shape = new int[shapeNode.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
        throw new CorruptDataException("tensor '" + name + "' has invalid dimension " + d
            + " in its shape; dimensions are non-negative integers");
      }
      shape[i] = d.intValue();
      elements *= shape[i];
      if (elements > Integer.MAX_VALUE) {
        throw new CorruptDataException("tensor '" + name + "' has shape " + shapeNode
            + " with more than " + Integer.MAX_VALUE + " elements");
      }
    }

    JsonNode offsets = v.get("data_offsets");
    if (offsets == null || !offsets.isArray() || offsets.size() != 2
        || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
        || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
      throw new CorruptDataException("tensor '" + name + "' has invalid data_offsets " + offsets
          + "; expected [begin, end] integers");
    }
    long begin = offsets.get(0).longValue();
    long end = offsets.get(1).longValue();
    if (begin < 0 || end < begin) {
      throw new CorruptDataException("tensor '" + name + "' has invalid data_offsets [" + begin + ", "
          + end + "]; need 0 ≤ begin ≤ end");
    }
    long needed = elements * dtype.byteSize();
    if (end - begin != needed) {
      throw new CorruptDataException("tensor '" + name + "' byte length " + (end - begin)
          + " does not match shape " + Arrays.toString(shape) + " of " + dtype.safetensorsName()
          + " (" + needed + " bytes)");
    }
    if (end > dataLength) {
      throw new CorruptDataException("tensor '" + name + "' data_offsets [" + begin + ", " + end
          + "] exceed the data section of " + dataLength + " bytes (truncated file?)");
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  private static void checkOverlaps(List<Entry> entries) {
    List<Entry> sorted = new ArrayList<>();
    for (Entry e : entries) {
      if (e.end > e.begin) { // empty tensors occupy no bytes
        sorted.add(e);
      }
    }
    sorted.sort(Comparator.comparingLong(Entry::begin));
    for (int i = 1; i < sorted.size(); i++) {
      Entry a = sorted.get(i - 1);
      Entry b = sorted.get(i);
      if (b.begin < a.end) {
        throw new CorruptDataException("data_offsets of tensors '" + a.name + "' [" + a.begin + ", "
            + a.end + "] and '" + b.name + "' [" + b.begin + ", " + b.end + "] overlap");
      }
    }
  }
}
