package io.bitswitch.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * Kryo serializer for a Scala {@code object} (a singleton class {@code X$} with a static
 * {@code MODULE$}): writes nothing and reads back the one instance, so code comparing by identity
 * (Scala pattern matching on case objects) still matches after a round trip.
 */
public final class ScalaObjectSerializer<T> extends Serializer<T> {
  private final T instance;

  /** A serializer for the Scala object whose class is {@code type}. */
  public ScalaObjectSerializer(Class<T> type) {
    try {
      instance = type.cast(type.getField("MODULE$").get(null));
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(type.getName() + " is not a Scala object (no MODULE$)", e);
    }
    setImmutable(true);
  }

  @Override
  public void write(Kryo kryo, Output output, T object) {
    // The class registration id alone identifies the singleton.
  }

  @Override
  public T read(Kryo kryo, Input input, Class<T> type) {
    return instance;
  }
}
