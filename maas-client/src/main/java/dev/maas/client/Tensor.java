package dev.maas.client;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A named tensor sent to or received from a server: a datatype, a shape and the elements in
 * row-major order as raw little-endian bytes (a {@link Datatype#BYTES} element is a 4-byte
 * little-endian length and its bytes), the layout of the protocol's binary data extension.
 * Factories take and accessors return Java arrays. Immutable and thread-safe.
 */
public final class Tensor {
    private final String name;
    private final Datatype datatype;
    private final long[] shape;
    private final byte[] raw;

    private Tensor(String name, Datatype datatype, long[] shape, byte[] raw) {
        this.name = Objects.requireNonNull(name, "name");
        this.datatype = Objects.requireNonNull(datatype, "datatype");
        this.shape = shape.clone();
        this.raw = raw;
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "negative dimension in shape " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, d);
        }
        long have = datatype == Datatype.BYTES ? countStrings(raw) : raw.length / datatype.size();
        if (have != count || (datatype != Datatype.BYTES && raw.length % datatype.size() != 0)) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + name
                            + "' of shape "
                            + Arrays.toString(shape)
                            + " needs "
                            + count
                            + " elements, got "
                            + have);
        }
    }

    /**
     * Returns a tensor of raw little-endian bytes (copied).
     *
     * @throws IllegalArgumentException if the bytes do not hold the shape's elements
     */
    public static Tensor ofRaw(String name, Datatype datatype, long[] shape, byte[] raw) {
        return new Tensor(name, datatype, shape, raw.clone());
    }

    /** Returns an FP32 tensor. */
    public static Tensor ofFloats(String name, long[] shape, float... values) {
        ByteBuffer b = buffer(values.length * 4);
        for (float v : values) {
            b.putFloat(v);
        }
        return new Tensor(name, Datatype.FP32, shape, b.array());
    }

    /** Returns an FP64 tensor. */
    public static Tensor ofDoubles(String name, long[] shape, double... values) {
        ByteBuffer b = buffer(values.length * 8);
        for (double v : values) {
            b.putDouble(v);
        }
        return new Tensor(name, Datatype.FP64, shape, b.array());
    }

    /** Returns an INT32 tensor. */
    public static Tensor ofInts(String name, long[] shape, int... values) {
        ByteBuffer b = buffer(values.length * 4);
        for (int v : values) {
            b.putInt(v);
        }
        return new Tensor(name, Datatype.INT32, shape, b.array());
    }

    /** Returns an INT64 tensor. */
    public static Tensor ofLongs(String name, long[] shape, long... values) {
        ByteBuffer b = buffer(values.length * 8);
        for (long v : values) {
            b.putLong(v);
        }
        return new Tensor(name, Datatype.INT64, shape, b.array());
    }

    /** Returns a BOOL tensor. */
    public static Tensor ofBooleans(String name, long[] shape, boolean... values) {
        byte[] raw = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            raw[i] = (byte) (values[i] ? 1 : 0);
        }
        return new Tensor(name, Datatype.BOOL, shape, raw);
    }

    /** Returns a BYTES tensor of UTF-8 strings. */
    public static Tensor ofStrings(String name, long[] shape, String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : values) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(buffer(4).putInt(b.length).array());
            out.writeBytes(b);
        }
        return new Tensor(name, Datatype.BYTES, shape, out.toByteArray());
    }

    /** Returns the tensor's name. */
    public String name() {
        return name;
    }

    /** Returns its datatype. */
    public Datatype datatype() {
        return datatype;
    }

    /** Returns a copy of its shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Returns a copy of its raw little-endian bytes. */
    public byte[] raw() {
        return raw.clone();
    }

    byte[] rawView() {
        return raw;
    }

    /**
     * Returns the elements of an FP32 tensor.
     *
     * @throws IllegalStateException if it is of another datatype
     */
    public float[] asFloats() {
        ByteBuffer b = view(Datatype.FP32);
        float[] out = new float[raw.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    /** Returns the elements of an FP64 tensor; see {@link #asFloats()}. */
    public double[] asDoubles() {
        ByteBuffer b = view(Datatype.FP64);
        double[] out = new double[raw.length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getDouble();
        }
        return out;
    }

    /** Returns the elements of an INT32 tensor; see {@link #asFloats()}. */
    public int[] asInts() {
        ByteBuffer b = view(Datatype.INT32);
        int[] out = new int[raw.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt();
        }
        return out;
    }

    /** Returns the elements of an INT64 tensor; see {@link #asFloats()}. */
    public long[] asLongs() {
        ByteBuffer b = view(Datatype.INT64);
        long[] out = new long[raw.length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    /** Returns the elements of a BOOL tensor; see {@link #asFloats()}. */
    public boolean[] asBooleans() {
        view(Datatype.BOOL);
        boolean[] out = new boolean[raw.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = raw[i] != 0;
        }
        return out;
    }

    /** Returns the elements of a BYTES tensor as UTF-8 strings; see {@link #asFloats()}. */
    public List<String> asStrings() {
        ByteBuffer b = view(Datatype.BYTES);
        List<String> out = new ArrayList<>();
        while (b.hasRemaining()) {
            int len = b.getInt();
            byte[] s = new byte[len];
            b.get(s);
            out.add(new String(s, StandardCharsets.UTF_8));
        }
        return out;
    }

    private ByteBuffer view(Datatype expected) {
        if (datatype != expected) {
            throw new IllegalStateException(
                    "tensor '" + name + "' is " + datatype + ", not " + expected);
        }
        return ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static long countStrings(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long n = 0;
        while (b.remaining() >= 4) {
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                throw new IllegalArgumentException("BYTES data ends inside an element");
            }
            b.position(b.position() + len);
            n++;
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException("BYTES data ends inside an element's length");
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t
                && name.equals(t.name)
                && datatype == t.datatype
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(raw, t.raw);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, datatype, Arrays.hashCode(shape), Arrays.hashCode(raw));
    }

    @Override
    public String toString() {
        return name + ": " + datatype + " " + Arrays.toString(shape);
    }
}
