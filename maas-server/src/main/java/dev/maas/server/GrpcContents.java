package dev.maas.server;

import com.google.protobuf.ByteString;
import inference.InferTensorContents;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
 * <p>Every check names the tensor, what was wrong and what was expected, and fails with a bad
 * request {@link OipException} (gRPC {@code INVALID_ARGUMENT}); the size of raw data is checked by
 * {@link InferTensor}. Stateless; safe for concurrent use.
 */
final class GrpcContents {
    private GrpcContents() {}

    /**
     * Returns the raw form of typed {@code contents} holding {@code count} elements of {@code
     * datatype}.
     *
     * @throws OipException (bad request) when the contents use a field other than the datatype's,
     *     hold another number of elements, or a value out of the datatype's range
     */
    static byte[] toRaw(String tensor, OipDatatype type, int count, InferTensorContents c) {
        String datatype = type.wireName();
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
            return out.array();
        }
        ByteBuffer out = ByteBuffer.allocate(type.size() * count).order(ByteOrder.LITTLE_ENDIAN);
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
        return out.array();
    }

    /**
     * Returns typed contents for {@code raw}, checked by {@link InferTensor}.
     *
     * @throws IllegalArgumentException for FP16 and BF16, which have no typed field
     */
    static InferTensorContents toContents(OipDatatype type, byte[] raw) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        switch (type.wireName()) {
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
            default -> throw new IllegalArgumentException(type + " has no typed contents");
        }
        return c.build();
    }

    /** Returns whether {@code datatype} can be carried in typed contents. */
    static boolean hasTypedContents(OipDatatype type) {
        return type != OipDatatype.FP16 && type != OipDatatype.BF16;
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
            default -> throw new AssertionError(datatype);
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

    private static OipException invalid(String format, Object... args) {
        return OipException.badRequest(String.format(format, args));
    }
}
