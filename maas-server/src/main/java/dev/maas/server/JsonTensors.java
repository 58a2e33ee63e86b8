package dev.maas.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Converts tensor data between the protocol's JSON form (row-major elements, flat or nested; BOOL
 * as {@code true}/{@code false}, BYTES as UTF-8 strings, FP16 and BF16 as numbers rounded to the
 * nearest value of the type) and raw little-endian bytes. Every integer is checked against its
 * type's range and every float parsed with one correct rounding, so values survive a round trip bit
 * for bit. Stateless.
 */
final class JsonTensors {
    private static final BigInteger UINT64_MAX =
            BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private JsonTensors() {}

    /**
     * Reads a JSON input's data.
     *
     * @throws OipException (bad request) naming the tensor, the element and what was expected
     */
    static InferTensor fromJson(String name, OipDatatype type, long[] shape, JsonElement data) {
        long count = InferTensor.elementCount(name, shape);
        if (data == null || data.isJsonNull()) {
            throw OipException.badRequest("input '" + name + "' has no data");
        }
        JsonArray flat = new JsonArray();
        flatten(name, data, flat, 0);
        if (flat.size() != count) {
            throw OipException.badRequest(
                    "input '"
                            + name
                            + "' has shape "
                            + Arrays.toString(shape)
                            + " ("
                            + count
                            + " elements) but its data holds "
                            + flat.size());
        }
        if (type == OipDatatype.BYTES) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < flat.size(); i++) {
                JsonElement e = flat.get(i);
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                    throw element(name, i, e, "a string");
                }
                byte[] b = e.getAsString().getBytes(StandardCharsets.UTF_8);
                out.write(b.length);
                out.write(b.length >>> 8);
                out.write(b.length >>> 16);
                out.write(b.length >>> 24);
                out.write(b, 0, b.length);
            }
            return new InferTensor(name, type, shape, out.toByteArray());
        }
        ByteBuffer buf =
                ByteBuffer.allocate(Math.toIntExact(count * type.size()))
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < flat.size(); i++) {
            put(name, type, i, flat.get(i), buf);
        }
        return new InferTensor(name, type, shape, buf.array());
    }

    private static void flatten(String name, JsonElement e, JsonArray out, int depth) {
        if (depth > 64) {
            throw OipException.badRequest("input '" + name + "' nests its data too deeply");
        }
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                flatten(name, x, out, depth + 1);
            }
        } else {
            out.add(e);
        }
    }

    private static void put(String name, OipDatatype type, int i, JsonElement e, ByteBuffer buf) {
        if (type == OipDatatype.BOOL) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
                throw element(name, i, e, "true or false");
            }
            buf.put((byte) (e.getAsBoolean() ? 1 : 0));
            return;
        }
        if (type == OipDatatype.FP32
                || type == OipDatatype.FP64
                || type == OipDatatype.FP16
                || type == OipDatatype.BF16) {
            String text = floatText(name, i, e);
            switch (type) {
                case FP64 -> buf.putDouble(Double.parseDouble(text));
                case FP32 -> buf.putFloat(Float.parseFloat(text));
                case FP16 -> buf.putShort(Halfs.toHalf(Double.parseDouble(text)));
                default -> buf.putShort(Halfs.toBfloat16(Double.parseDouble(text)));
            }
            return;
        }
        BigInteger v = integer(name, i, e, type);
        switch (type) {
            case INT8, UINT8 -> buf.put(v.byteValue());
            case INT16, UINT16 -> buf.putShort(v.shortValue());
            case INT32, UINT32 -> buf.putInt(v.intValue());
            default -> buf.putLong(v.longValue());
        }
    }

    /** Returns the text of a float element; the strings NaN, Infinity and -Infinity are allowed. */
    private static String floatText(String name, int i, JsonElement e) {
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isNumber()) {
                return p.getAsString();
            }
            if (p.isString()) {
                String s = p.getAsString();
                if (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity")) {
                    return s;
                }
            }
        }
        throw element(name, i, e, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
    }

    private static BigInteger integer(String name, int i, JsonElement e, OipDatatype type) {
        BigInteger v;
        try {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw new ArithmeticException();
            }
            v = new BigDecimal(e.getAsString()).toBigIntegerExact();
        } catch (ArithmeticException | NumberFormatException x) {
            throw element(name, i, e, "an integer");
        }
        BigInteger min;
        BigInteger max;
        switch (type) {
            case INT8 -> {
                min = BigInteger.valueOf(Byte.MIN_VALUE);
                max = BigInteger.valueOf(Byte.MAX_VALUE);
            }
            case INT16 -> {
                min = BigInteger.valueOf(Short.MIN_VALUE);
                max = BigInteger.valueOf(Short.MAX_VALUE);
            }
            case INT32 -> {
                min = BigInteger.valueOf(Integer.MIN_VALUE);
                max = BigInteger.valueOf(Integer.MAX_VALUE);
            }
            case INT64 -> {
                min = BigInteger.valueOf(Long.MIN_VALUE);
                max = BigInteger.valueOf(Long.MAX_VALUE);
            }
            case UINT8 -> {
                min = BigInteger.ZERO;
                max = BigInteger.valueOf(0xFF);
            }
            case UINT16 -> {
                min = BigInteger.ZERO;
                max = BigInteger.valueOf(0xFFFF);
            }
            case UINT32 -> {
                min = BigInteger.ZERO;
                max = BigInteger.valueOf(0xFFFF_FFFFL);
            }
            default -> {
                min = BigInteger.ZERO;
                max = UINT64_MAX;
            }
        }
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
            throw OipException.badRequest(
                    "input '"
                            + name
                            + "' element "
                            + i
                            + " is "
                            + v
                            + ", out of the range of "
                            + type
                            + " ("
                            + min
                            + " to "
                            + max
                            + ")");
        }
        return v;
    }

    private static OipException element(String name, int i, JsonElement e, String expected) {
        String shown = e.toString();
        if (shown.length() > 40) {
            shown = shown.substring(0, 40) + "...";
        }
        return OipException.badRequest(
                "input '" + name + "' element " + i + " is " + shown + ": expected " + expected);
    }

    /** Writes a tensor's data as a flat JSON array. */
    static JsonArray toJson(InferTensor t) {
        byte[] raw = t.rawView();
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        JsonArray out = new JsonArray();
        switch (t.datatype()) {
            case BOOL -> {
                for (byte b : raw) {
                    out.add(b != 0);
                }
            }
            case BYTES -> {
                int at = 0;
                while (at < raw.length) {
                    int len = buf.getInt(at);
                    at += 4;
                    out.add(new String(raw, at, len, StandardCharsets.UTF_8));
                    at += len;
                }
            }
            case UINT8 -> {
                for (byte b : raw) {
                    out.add(b & 0xFF);
                }
            }
            case INT8 -> {
                for (byte b : raw) {
                    out.add(b);
                }
            }
            case UINT16 -> {
                while (buf.hasRemaining()) {
                    out.add(buf.getShort() & 0xFFFF);
                }
            }
            case INT16 -> {
                while (buf.hasRemaining()) {
                    out.add(buf.getShort());
                }
            }
            case UINT32 -> {
                while (buf.hasRemaining()) {
                    out.add(buf.getInt() & 0xFFFF_FFFFL);
                }
            }
            case INT32 -> {
                while (buf.hasRemaining()) {
                    out.add(buf.getInt());
                }
            }
            case UINT64 -> {
                while (buf.hasRemaining()) {
                    out.add(new BigInteger(Long.toUnsignedString(buf.getLong())));
                }
            }
            case INT64 -> {
                while (buf.hasRemaining()) {
                    out.add(buf.getLong());
                }
            }
            case FP16 -> {
                while (buf.hasRemaining()) {
                    out.add(number(Halfs.fromHalf(buf.getShort())));
                }
            }
            case BF16 -> {
                while (buf.hasRemaining()) {
                    out.add(number(Halfs.fromBfloat16(buf.getShort())));
                }
            }
            case FP32 -> {
                while (buf.hasRemaining()) {
                    out.add(number(buf.getFloat()));
                }
            }
            case FP64 -> {
                while (buf.hasRemaining()) {
                    double d = buf.getDouble();
                    out.add(
                            Double.isFinite(d)
                                    ? new JsonPrimitive(d)
                                    : new JsonPrimitive(special(d)));
                }
            }
        }
        return out;
    }

    /** A float as its shortest exact decimal; NaN and infinities as strings (JSON has none). */
    private static JsonPrimitive number(float f) {
        return Float.isFinite(f) ? new JsonPrimitive(f) : new JsonPrimitive(special(f));
    }

    private static String special(double d) {
        return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
    }
}
