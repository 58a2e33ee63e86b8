package dev.maas.server;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input or output tensor of an inference call, as the network carries it: a name, a datatype, a
 * shape and the elements as raw little-endian bytes (for {@link OipDatatype#BYTES}: each element a
 * 4-byte little-endian length and its bytes), the layout of the protocol's binary data extension
 * and of gRPC's raw contents. Immutable once made: the arrays handed in are copied on the way in
 * and out are not shared.
 */
final class InferTensor {
    private final String name;
    private final OipDatatype datatype;
    private final long[] shape;
    private final byte[] raw;

    /**
     * Makes a tensor, checking that the bytes hold exactly the elements the shape asks for.
     *
     * @throws OipException (bad request) if a dimension is negative or the bytes do not match the
     *     shape
     */
    InferTensor(String name, OipDatatype datatype, long[] shape, byte[] raw) {
        this.name = Objects.requireNonNull(name, "name");
        this.datatype = Objects.requireNonNull(datatype, "datatype");
        this.shape = shape.clone();
        this.raw = raw.clone();
        long count = elementCount(name, this.shape);
        if (datatype == OipDatatype.BYTES) {
            long n = countBytesElements(name, this.raw);
            if (n != count) {
                throw OipException.badRequest(
                        "tensor '"
                                + name
                                + "' has shape "
                                + Arrays.toString(this.shape)
                                + " ("
                                + count
                                + " elements) but its data holds "
                                + n
                                + " BYTES elements");
            }
        } else if (count > Integer.MAX_VALUE || count * datatype.size() != this.raw.length) {
            throw OipException.badRequest(
                    "tensor '"
                            + name
                            + "' has shape "
                            + Arrays.toString(this.shape)
                            + " of "
                            + datatype
                            + " ("
                            + count
                            + " elements of "
                            + datatype.size()
                            + " bytes) but its data has "
                            + this.raw.length
                            + " bytes");
        }
    }

    /** Returns the number of elements of {@code shape}, checking its dimensions. */
    static long elementCount(String name, long[] shape) {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw OipException.badRequest(
                        "tensor '"
                                + name
                                + "' has a negative dimension in shape "
                                + Arrays.toString(shape));
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw OipException.badRequest(
                        "tensor '"
                                + name
                                + "' has shape "
                                + Arrays.toString(shape)
                                + ", too many elements");
            }
        }
        return count;
    }

    /** Counts the length-prefixed elements of BYTES data, checking that they fill it exactly. */
    static long countBytesElements(String name, byte[] raw) {
        long n = 0;
        int at = 0;
        while (at < raw.length) {
            if (raw.length - at < 4) {
                throw OipException.badRequest(
                        "BYTES tensor '" + name + "' ends inside an element's 4-byte length");
            }
            long len =
                    (raw[at] & 0xFFL)
                            | (raw[at + 1] & 0xFFL) << 8
                            | (raw[at + 2] & 0xFFL) << 16
                            | (raw[at + 3] & 0xFFL) << 24;
            at += 4;
            if (len > raw.length - at) {
                throw OipException.badRequest(
                        "BYTES tensor '"
                                + name
                                + "' has an element of "
                                + len
                                + " bytes but only "
                                + (raw.length - at)
                                + " remain");
            }
            at += (int) len;
            n++;
        }
        return n;
    }

    String name() {
        return name;
    }

    OipDatatype datatype() {
        return datatype;
    }

    /** Returns a copy of the shape. */
    long[] shape() {
        return shape.clone();
    }

    /** Returns the number of elements. */
    long elementCount() {
        return elementCount(name, shape);
    }

    /** Returns a copy of the raw little-endian bytes. */
    byte[] raw() {
        return raw.clone();
    }

    /** Returns the raw bytes without copying; callers must not modify them. */
    byte[] rawView() {
        return raw;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferTensor t
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
