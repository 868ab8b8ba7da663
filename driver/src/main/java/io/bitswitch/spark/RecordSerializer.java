package io.bitswitch.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;

/**
 * Kryo serializer for Java records. Spark's Kryo 4 predates records: its field serializer sets
 * final fields through {@code Unsafe}, which the JDK refuses for records. This one writes the
 * components in declaration order and reads them back through the canonical constructor, so the
 * record's own validation runs on deserialization too.
 */
public final class RecordSerializer<T extends Record> extends Serializer<T> {
  private final Method[] accessors;
  private final Constructor<T> constructor;

  /** A serializer for {@code type}. */
  public RecordSerializer(Class<T> type) {
    RecordComponent[] components = type.getRecordComponents();
    accessors = new Method[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      accessors[i] = components[i].getAccessor();
      accessors[i].setAccessible(true);
      types[i] = components[i].getType();
    }
    try {
      constructor = type.getDeclaredConstructor(types);
      constructor.setAccessible(true);
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("record " + type.getName() + " has no canonical constructor", e);
    }
    setImmutable(true);
  }

  @Override
  public void write(Kryo kryo, Output output, T record) {
    try {
      for (Method accessor : accessors) {
        kryo.writeClassAndObject(output, accessor.invoke(record));
      }
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new KryoException("cannot read the components of " + record.getClass().getName(), e);
    }
  }

  @Override
  public T read(Kryo kryo, Input input, Class<T> type) {
    Object[] values = new Object[accessors.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = kryo.readClassAndObject(input);
    }
    try {
      return constructor.newInstance(values);
    } catch (InstantiationException | IllegalAccessException e) {
      throw new KryoException("cannot construct " + type.getName(), e);
    } catch (InvocationTargetException e) {
      throw new KryoException("cannot construct " + type.getName() + ": " + e.getCause(), e.getCause());
    }
  }
}
