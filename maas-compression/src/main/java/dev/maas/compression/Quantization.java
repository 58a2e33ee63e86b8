package dev.maas.compression;

import dev.maas.recommend.train.StoredTensor;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A post-training quantization scheme for float tensors: 8-bit integer codes (symmetric or
 * asymmetric, one scale per tensor or per row), or half-precision storage (IEEE float16 or
 * bfloat16). Encoded tensors are {@link StoredTensor}s, which the recommender's factor files store
 * as they are and decode on load.
 *
 * <p>Error bounds, per element, for values inside the range the scale was fitted on:
 *
 * <ul>
 *   <li>int8 symmetric: {@code s = max|x| / 127}, {@code q = round(x / s)}: {@code |x - q s| <= s /
 *       2};
 *   <li>int8 asymmetric: {@code s = (max - min) / 255} over the range widened to include zero,
 *       integer zero point {@code z}, {@code q = round(x / s) + z} in {@code [-128, 127]}: {@code
 *       |x - (q - z) s| <= s / 2};
 *   <li>float16: round to nearest even, {@code |x - h| <= |x| 2^-11} in the normal range ({@code
 *       |x| >= 2^-14}), at most {@code 2^-25} below it;
 *   <li>bfloat16: round to nearest even, {@code |x - b| <= |x| 2^-8}.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class Quantization {
    /** The stored element type. */
    public enum Type {
        /** 8-bit integer codes with scales. */
        INT8,
        /** IEEE half precision. */
        FLOAT16,
        /** bfloat16: the upper half of a float32. */
        BFLOAT16
    }

    private final Type type;
    private final boolean symmetric;
    private final boolean perRow;

    private Quantization(Type type, boolean symmetric, boolean perRow) {
        this.type = type;
        this.symmetric = symmetric;
        this.perRow = perRow;
    }

    /**
     * Returns symmetric int8: zero maps to code 0, the largest magnitude to 127.
     *
     * @param perRow one scale per row (per output channel of a linear layer, per embedding row)
     *     rather than one for the whole tensor
     */
    public static Quantization int8Symmetric(boolean perRow) {
        return new Quantization(Type.INT8, true, perRow);
    }

    /**
     * Returns asymmetric int8: the range {@code [min, max]} (widened to include zero) maps onto all
     * 256 codes with an integer zero point; tighter than symmetric for skewed values.
     *
     * @param perRow one scale and zero point per row rather than one for the whole tensor
     */
    public static Quantization int8Asymmetric(boolean perRow) {
        return new Quantization(Type.INT8, false, perRow);
    }

    /** Returns IEEE float16 storage. */
    public static Quantization float16() {
        return new Quantization(Type.FLOAT16, true, false);
    }

    /** Returns bfloat16 storage. */
    public static Quantization bfloat16() {
        return new Quantization(Type.BFLOAT16, true, false);
    }

    /** Returns the stored element type. */
    public Type type() {
        return type;
    }

    /** Returns whether int8 codes are symmetric (no zero point); true for the float types. */
    public boolean symmetric() {
        return symmetric;
    }

    /** Returns whether int8 scales are per row; false for the float types. */
    public boolean perRow() {
        return perRow;
    }

    /**
     * Returns the scheme's name: {@code int8-symmetric-per-row}, {@code
     * int8-asymmetric-per-tensor}, {@code float16}, {@code bfloat16}.
     */
    public String name() {
        return switch (type) {
            case INT8 ->
                    "int8-"
                            + (symmetric ? "symmetric" : "asymmetric")
                            + (perRow ? "-per-row" : "-per-tensor");
            case FLOAT16 -> "float16";
            case BFLOAT16 -> "bfloat16";
        };
    }

    /**
     * Returns the scheme named by {@link #name()}.
     *
     * @throws IllegalArgumentException naming the accepted names
     */
    public static Quantization parse(String name) {
        Objects.requireNonNull(name, "name");
        for (Quantization q :
                new Quantization[] {
                    int8Symmetric(true),
                    int8Symmetric(false),
                    int8Asymmetric(true),
                    int8Asymmetric(false),
                    float16(),
                    bfloat16()
                }) {
            if (q.name().equals(name.toLowerCase(Locale.ROOT))) {
                return q;
            }
        }
        throw new IllegalArgumentException(
                "quantization '"
                        + name
                        + "' is unknown; expected int8-symmetric-per-row,"
                        + " int8-symmetric-per-tensor, int8-asymmetric-per-row,"
                        + " int8-asymmetric-per-tensor, float16 or bfloat16");
    }

    /** Returns the settings as they go into a report: {@code scheme} and its parts. */
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("scheme", name());
        s.put("type", type.name().toLowerCase(Locale.ROOT));
        if (type == Type.INT8) {
            s.put("symmetric", Boolean.toString(symmetric));
            s.put("granularity", perRow ? "per-row" : "per-tensor");
        }
        return s;
    }

    /**
     * Encodes a {@code rows x cols} row-major tensor.
     *
     * @throws IllegalArgumentException if the length is not {@code rows * cols} or a value is not
     *     finite
     */
    public StoredTensor encode(float[] values, int rows, int cols) {
        Objects.requireNonNull(values, "values");
        if (rows < 1 || cols < 1 || (long) rows * cols != values.length) {
            throw new IllegalArgumentException(
                    "a "
                            + rows
                            + " x "
                            + cols
                            + " tensor needs "
                            + (long) rows * cols
                            + " values, has "
                            + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(
                        "value " + i + " is " + values[i] + "; only finite values can be stored");
            }
        }
        return switch (type) {
            case FLOAT16 -> halves(values, true);
            case BFLOAT16 -> halves(values, false);
            case INT8 -> int8(values, rows, cols);
        };
    }

    /** Returns {@code encode} then decode: the values as they come back after loading. */
    public float[] roundTrip(float[] values, int rows, int cols) {
        return encode(values, rows, cols).decode(rows, cols);
    }

    private static StoredTensor halves(float[] values, boolean ieee) {
        byte[] data = new byte[2 * values.length];
        for (int i = 0; i < values.length; i++) {
            short h = ieee ? floatToHalf(values[i]) : floatToBfloat16(values[i]);
            data[2 * i] = (byte) h;
            data[2 * i + 1] = (byte) (h >>> 8);
        }
        return new StoredTensor(
                ieee ? StoredTensor.DType.F16 : StoredTensor.DType.BF16, data, null, null);
    }

    private StoredTensor int8(float[] values, int rows, int cols) {
        int groups = perRow ? rows : 1;
        int groupSize = perRow ? cols : values.length;
        float[] scale = new float[groups];
        float[] zero = symmetric ? null : new float[groups];
        byte[] data = new byte[values.length];
        for (int g = 0; g < groups; g++) {
            int off = g * groupSize;
            float min = 0f;
            float max = 0f;
            for (int i = off; i < off + groupSize; i++) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
            if (symmetric) {
                float s = Math.max(max, -min) / 127f;
                scale[g] = s;
                for (int i = off; i < off + groupSize; i++) {
                    data[i] = s == 0f ? 0 : (byte) clamp(Math.round(values[i] / s), -127, 127);
                }
            } else {
                float s = (max - min) / 255f;
                int z = s == 0f ? 0 : clamp(Math.round(-128f - min / s), -128, 127);
                scale[g] = s;
                zero[g] = z;
                for (int i = off; i < off + groupSize; i++) {
                    data[i] =
                            s == 0f
                                    ? (byte) z
                                    : (byte) clamp(Math.round(values[i] / s) + z, -128, 127);
                }
            }
        }
        return new StoredTensor(StoredTensor.DType.I8, data, scale, zero);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /**
     * Returns the IEEE half-precision bits nearest {@code f} (ties to even; overflow to infinity).
     */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int val = bits & 0x7fffffff;
        if (val > 0x7f800000) {
            return (short) (sign | 0x7e00);
        }
        if (val >= 0x47800000) {
            return (short) (sign | 0x7c00);
        }
        int exp = val >>> 23;
        int mant = val & 0x7fffff;
        if (exp < 113) {
            // Below 2^-14: a half subnormal, m * 2^-24.
            if (exp < 102) {
                return (short) sign;
            }
            int full = mant | 0x800000;
            int shift = 126 - exp;
            int m = full >>> shift;
            int rem = full & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rem > half || (rem == half && (m & 1) == 1)) {
                m++;
            }
            return (short) (sign | m);
        }
        int h = ((exp - 112) << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1)) {
            h++;
        }
        return (short) (sign | h);
    }

    /** Returns the bfloat16 bits nearest {@code f} (ties to even). */
    public static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7fff + lsb) >>> 16);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Quantization q
                && q.type == type
                && q.symmetric == symmetric
                && q.perRow == perRow;
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, symmetric, perRow);
    }

    @Override
    public String toString() {
        return name();
    }
}
