package dev.maas.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Tensor data in the protocol's JSON form (flat row-major elements) to and from raw little-endian
 * bytes. FP16 and BF16 travel as the numbers they hold; NaN and infinities as the strings {@code
 * "NaN"}, {@code "Infinity"} and {@code "-Infinity"}. Stateless.
 */
final class WireJson {
    private WireJson() {}

    static JsonArray encode(Tensor t) {
        ByteBuffer b = ByteBuffer.wrap(t.rawView()).order(ByteOrder.LITTLE_ENDIAN);
        JsonArray out = new JsonArray();
        while (b.hasRemaining()) {
            switch (t.datatype()) {
                case BOOL -> out.add(b.get() != 0);
                case UINT8 -> out.add(b.get() & 0xFF);
                case INT8 -> out.add(b.get());
                case UINT16 -> out.add(b.getShort() & 0xFFFF);
                case INT16 -> out.add(b.getShort());
                case UINT32 -> out.add(b.getInt() & 0xFFFF_FFFFL);
                case INT32 -> out.add(b.getInt());
                case UINT64 -> out.add(new BigInteger(Long.toUnsignedString(b.getLong())));
                case INT64 -> out.add(b.getLong());
                case FP16 -> out.add(number(halfToFloat(b.getShort())));
                case BF16 -> out.add(number(Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16)));
                case FP32 -> out.add(number(b.getFloat()));
                case FP64 -> {
                    double d = b.getDouble();
                    out.add(
                            Double.isFinite(d)
                                    ? new JsonPrimitive(d)
                                    : new JsonPrimitive(special(d)));
                }
                case BYTES -> {
                    byte[] s = new byte[b.getInt()];
                    b.get(s);
                    out.add(new String(s, StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    static Tensor decode(String name, Datatype type, long[] shape, JsonArray data) {
        JsonArray flat = new JsonArray();
        flatten(data, flat);
        if (type == Datatype.BYTES) {
            String[] s = new String[flat.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = flat.get(i).getAsString();
            }
            return Tensor.ofStrings(name, shape, s);
        }
        ByteBuffer b =
                ByteBuffer.allocate(flat.size() * type.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonElement e : flat) {
            switch (type) {
                case BOOL -> b.put((byte) (e.getAsBoolean() ? 1 : 0));
                case UINT8, INT8 -> b.put(integer(e).byteValue());
                case UINT16, INT16 -> b.putShort(integer(e).shortValue());
                case UINT32, INT32 -> b.putInt(integer(e).intValue());
                case UINT64, INT64 -> b.putLong(integer(e).longValue());
                case FP16 -> b.putShort(floatToHalf(Float.parseFloat(e.getAsString())));
                case BF16 -> b.putShort(floatToBfloat16(Float.parseFloat(e.getAsString())));
                case FP32 -> b.putFloat(Float.parseFloat(e.getAsString()));
                case FP64 -> b.putDouble(Double.parseDouble(e.getAsString()));
                default -> throw new IllegalStateException(type.toString());
            }
        }
        return Tensor.ofRaw(name, type, shape, b.array());
    }

    private static void flatten(JsonElement e, JsonArray out) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> flatten(x, out));
        } else {
            out.add(e);
        }
    }

    private static BigInteger integer(JsonElement e) {
        return new BigDecimal(e.getAsString()).toBigIntegerExact();
    }

    private static JsonPrimitive number(float f) {
        return Float.isFinite(f) ? new JsonPrimitive(f) : new JsonPrimitive(special(f));
    }

    private static String special(double d) {
        return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
    }

    /** The value of IEEE binary16 bits, exactly. */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1.0p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** The binary16 bits nearest to {@code f}, ties to even. */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7F_FFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 31) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            mant |= 0x80_0000;
            int shift = 14 - e;
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }

    /** The bfloat16 bits nearest to {@code f}, ties to even. */
    static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
