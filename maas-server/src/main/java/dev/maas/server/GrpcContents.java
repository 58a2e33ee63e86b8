package dev.maas.server;

import com.google.protobuf.ByteString;
import inference.InferTensorContents;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Converts tensor data between the two forms the gRPC binding carries: typed {@link
 * InferTensorContents} and the raw form of {@code raw_input_contents} / {@code
 * raw_output_contents}.
 *
 * <p>The raw form is the one the protocol defines: elements flattened in row-major order,
 * little-endian, no padding; a {@code BOOL} is one byte (0 or 1); each {@code BYTES} element is a
 * 4-byte little-endian length followed by its bytes. It is also what the REST binary extension
 * carries, so both transports meet on the same bytes. FP16 and BF16 have no typed field and travel
 * only raw.
 *
 * <p>Every check names the tensor, what was wrong and what was expected, and fails with {@code
 * INVALID_ARGUMENT}. Stateless; safe for concurrent use.
 */
final class GrpcContents {
    private GrpcContents() {}

    /**
     * Returns the size in bytes of one element of {@code datatype}, or -1 for {@code BYTES}.
     *
     * @throws StatusRuntimeException {@code INVALID_ARGUMENT} for a datatype the protocol does not
     *     define
     */
    static int elementSize(String tensor, String datatype) {
        switch (datatype) {
            case "BOOL":
            case "UINT8":
            case "INT8":
                return 1;
            case "UINT16":
            case "INT16":
            case "FP16":
            case "BF16":
                return 2;
            case "UINT32":
            case "INT32":
            case "FP32":
                return 4;
            case "UINT64":
            case "INT64":
            case "FP64":
                return 8;
            case "BYTES":
                return -1;
            default:
                throw invalid(
                        "tensor '%s' has datatype '%s'; expected one of BOOL, UINT8, UINT16,"
                                + " UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16, FP32,"
                                + " FP64, BYTES",
                        tensor, datatype);
        }
    }

    /**
     * Returns the number of elements of {@code shape}.
     *
     * @throws StatusRuntimeException {@code INVALID_ARGUMENT} for a negative dimension or a count
     *     past {@link Integer#MAX_VALUE}
     */
    static int elementCount(String tensor, List<Long> shape) {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw invalid("tensor '%s' has shape %s; dimensions must be >= 0", tensor, shape);
            }
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw invalid("tensor '%s' has shape %s; too many elements", tensor, shape);
            }
        }
        return (int) count;
    }

    /**
     * Checks that {@code raw} holds exactly {@code count} elements of {@code datatype}.
     *
     * @throws StatusRuntimeException {@code INVALID_ARGUMENT} when it does not
     */
    static void checkRaw(String tensor, String datatype, int count, ByteString raw) {
        int size = elementSize(tensor, datatype);
        if (size > 0) {
            long expected = (long) size * count;
            if (raw.size() != expected) {
                throw invalid(
                        "tensor '%s' (%s, %d elements) has %d bytes of raw contents; expected %d",
                        tensor, datatype, count, raw.size(), expected);
            }
            return;
        }
        ByteBuffer in = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int elements = 0;
        while (in.remaining() >= 4) {
            long length = Integer.toUnsignedLong(in.getInt());
            if (length > in.remaining()) {
                throw invalid(
                        "tensor '%s' (BYTES): element %d declares %d bytes but only %d remain",
                        tensor, elements, length, in.remaining());
            }
            in.position(in.position() + (int) length);
            elements++;
        }
        if (in.remaining() != 0 || elements != count) {
            throw invalid(
                    "tensor '%s' (BYTES) holds %d length-prefixed elements%s; expected %d",
                    tensor,
                    elements,
                    in.remaining() != 0 ? " and " + in.remaining() + " stray bytes" : "",
                    count);
        }
    }

    /**
     * Returns the raw form of typed {@code contents} holding {@code count} elements of {@code
     * datatype}.
     *
     * @throws StatusRuntimeException {@code INVALID_ARGUMENT} when the contents use a field other
     *     than the datatype's, hold another number of elements, or a value out of the datatype's
     *     range
     */
    static ByteString toRaw(String tensor, String datatype, int count, InferTensorContents c) {
        String field = fieldFor(tensor, datatype);
        String used = usedField(c);
        if (used != null && !used.equals(field)) {
            throw invalid(
                    "tensor '%s' (%s) carries its data in %s; expected %s",
                    tensor, datatype, used, field);
        }
        int given = fieldCount(c, field);
        if (given != count) {
            throw invalid(
                    "tensor '%s' (%s) has %d elements in %s; its shape needs %d",
                    tensor, datatype, given, field, count);
        }
        if (datatype.equals("BYTES")) {
            int total = 0;
            for (ByteString b : c.getBytesContentsList()) {
                total += 4 + b.size();
            }
            ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            for (ByteString b : c.getBytesContentsList()) {
                out.putInt(b.size());
                b.copyTo(out);
            }
            return ByteString.copyFrom(out.flip());
        }
        ByteBuffer out =
                ByteBuffer.allocate(elementSize(tensor, datatype) * count)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            switch (datatype) {
                case "BOOL" -> out.put((byte) (c.getBoolContents(i) ? 1 : 0));
                case "INT8" ->
                        out.put((byte) inRange(tensor, datatype, c.getIntContents(i), -128, 127));
                case "INT16" ->
                        out.putShort(
                                (short)
                                        inRange(
                                                tensor,
                                                datatype,
                                                c.getIntContents(i),
                                                -32768,
                                                32767));
                case "INT32" -> out.putInt(c.getIntContents(i));
                case "INT64" -> out.putLong(c.getInt64Contents(i));
                case "UINT8" ->
                        out.put(
                                (byte)
                                        inRange(
                                                tensor,
                                                datatype,
                                                unsigned(c.getUintContents(i)),
                                                0,
                                                255));
                case "UINT16" ->
                        out.putShort(
                                (short)
                                        inRange(
                                                tensor,
                                                datatype,
                                                unsigned(c.getUintContents(i)),
                                                0,
                                                65535));
                case "UINT32" -> out.putInt(c.getUintContents(i));
                case "UINT64" -> out.putLong(c.getUint64Contents(i));
                case "FP32" -> out.putInt(Float.floatToRawIntBits(c.getFp32Contents(i)));
                case "FP64" -> out.putLong(Double.doubleToRawLongBits(c.getFp64Contents(i)));
                default -> throw new AssertionError(datatype);
            }
        }
        return ByteString.copyFrom(out.flip());
    }

    /**
     * Returns typed contents for {@code raw} (already checked by {@link #checkRaw}).
     *
     * @throws IllegalArgumentException for FP16 and BF16, which have no typed field
     */
    static InferTensorContents toContents(String datatype, ByteString raw) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        ByteBuffer in = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (datatype) {
            case "BOOL" -> {
                while (in.hasRemaining()) {
                    c.addBoolContents(in.get() != 0);
                }
            }
            case "INT8" -> {
                while (in.hasRemaining()) {
                    c.addIntContents(in.get());
                }
            }
            case "INT16" -> {
                while (in.hasRemaining()) {
                    c.addIntContents(in.getShort());
                }
            }
            case "INT32" -> {
                while (in.hasRemaining()) {
                    c.addIntContents(in.getInt());
                }
            }
            case "INT64" -> {
                while (in.hasRemaining()) {
                    c.addInt64Contents(in.getLong());
                }
            }
            case "UINT8" -> {
                while (in.hasRemaining()) {
                    c.addUintContents(Byte.toUnsignedInt(in.get()));
                }
            }
            case "UINT16" -> {
                while (in.hasRemaining()) {
                    c.addUintContents(Short.toUnsignedInt(in.getShort()));
                }
            }
            case "UINT32" -> {
                while (in.hasRemaining()) {
                    c.addUintContents(in.getInt());
                }
            }
            case "UINT64" -> {
                while (in.hasRemaining()) {
                    c.addUint64Contents(in.getLong());
                }
            }
            case "FP32" -> {
                while (in.hasRemaining()) {
                    c.addFp32Contents(Float.intBitsToFloat(in.getInt()));
                }
            }
            case "FP64" -> {
                while (in.hasRemaining()) {
                    c.addFp64Contents(Double.longBitsToDouble(in.getLong()));
                }
            }
            case "BYTES" -> {
                while (in.hasRemaining()) {
                    int length = in.getInt();
                    c.addBytesContents(ByteString.copyFrom(in.slice().limit(length)));
                    in.position(in.position() + length);
                }
            }
            default -> throw new IllegalArgumentException(datatype + " has no typed contents");
        }
        return c.build();
    }

    /** Returns whether {@code datatype} can be carried in typed contents. */
    static boolean hasTypedContents(String datatype) {
        return !datatype.equals("FP16") && !datatype.equals("BF16");
    }

    /** Returns whether {@code c} carries any element in any field. */
    static boolean isEmpty(InferTensorContents c) {
        return usedField(c) == null;
    }

    private static String fieldFor(String tensor, String datatype) {
        return switch (datatype) {
            case "BOOL" -> "bool_contents";
            case "INT8", "INT16", "INT32" -> "int_contents";
            case "INT64" -> "int64_contents";
            case "UINT8", "UINT16", "UINT32" -> "uint_contents";
            case "UINT64" -> "uint64_contents";
            case "FP32" -> "fp32_contents";
            case "FP64" -> "fp64_contents";
            case "BYTES" -> "bytes_contents";
            case "FP16", "BF16" ->
                    throw invalid(
                            "tensor '%s' is %s, which has no typed contents; send it in"
                                    + " raw_input_contents",
                            tensor, datatype);
            default -> {
                elementSize(tensor, datatype);
                throw new AssertionError(datatype);
            }
        };
    }

    private static String usedField(InferTensorContents c) {
        if (c.getBoolContentsCount() > 0) {
            return "bool_contents";
        }
        if (c.getIntContentsCount() > 0) {
            return "int_contents";
        }
        if (c.getInt64ContentsCount() > 0) {
            return "int64_contents";
        }
        if (c.getUintContentsCount() > 0) {
            return "uint_contents";
        }
        if (c.getUint64ContentsCount() > 0) {
            return "uint64_contents";
        }
        if (c.getFp32ContentsCount() > 0) {
            return "fp32_contents";
        }
        if (c.getFp64ContentsCount() > 0) {
            return "fp64_contents";
        }
        if (c.getBytesContentsCount() > 0) {
            return "bytes_contents";
        }
        return null;
    }

    private static int fieldCount(InferTensorContents c, String field) {
        return switch (field) {
            case "bool_contents" -> c.getBoolContentsCount();
            case "int_contents" -> c.getIntContentsCount();
            case "int64_contents" -> c.getInt64ContentsCount();
            case "uint_contents" -> c.getUintContentsCount();
            case "uint64_contents" -> c.getUint64ContentsCount();
            case "fp32_contents" -> c.getFp32ContentsCount();
            case "fp64_contents" -> c.getFp64ContentsCount();
            case "bytes_contents" -> c.getBytesContentsCount();
            default -> throw new AssertionError(field);
        };
    }

    private static long unsigned(int v) {
        return Integer.toUnsignedLong(v);
    }

    private static long inRange(String tensor, String datatype, long v, long min, long max) {
        if (v < min || v > max) {
            throw invalid(
                    "tensor '%s' (%s) holds %d, outside [%d, %d]", tensor, datatype, v, min, max);
        }
        return v;
    }

    static StatusRuntimeException invalid(String format, Object... args) {
        return Status.INVALID_ARGUMENT
                .withDescription(String.format(format, args))
                .asRuntimeException();
    }
}
