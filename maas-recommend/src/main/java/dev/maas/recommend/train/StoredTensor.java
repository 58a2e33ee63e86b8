package dev.maas.recommend.train;

import java.util.Objects;

/**
 * One factor tensor as it is stored in {@code factors.safetensors}: its element type, raw
 * little-endian data, and for {@link DType#I8} the scales (and zero points) that map the stored
 * codes back to floats.
 *
 * <p>A tensor of {@code rows x cols} values is decoded as follows:
 *
 * <ul>
 *   <li>{@link DType#F32}: 4 bytes per value, IEEE 754 single precision;
 *   <li>{@link DType#F16}: 2 bytes per value, IEEE 754 half precision;
 *   <li>{@link DType#BF16}: 2 bytes per value, the upper half of a single-precision value;
 *   <li>{@link DType#I8}: 1 signed byte {@code q} per value, {@code x = (q - z) * s}, with {@code
 *       s} and {@code z} the scale and zero point of the value's row ({@code rows} of each) or of
 *       the whole tensor (one of each). Without zero points {@code z = 0} (symmetric).
 * </ul>
 *
 * <p>In the file, the scales of tensor {@code t} are the F32 tensor {@code t.scale} and its zero
 * points {@code t.zero_point}, each of shape {@code [rows]} or {@code [1]}.
 *
 * <p>Immutable once made: the arrays are not copied, callers hand them over. Thread-safe.
 *
 * @param dtype the element type
 * @param data the raw little-endian values, row-major
 * @param scale for {@link DType#I8}: one scale per row, or one for the tensor; else {@code null}
 * @param zeroPoint for {@link DType#I8}: zero points like {@code scale}, or {@code null} for
 *     symmetric codes; else {@code null}
 */
public record StoredTensor(DType dtype, byte[] data, float[] scale, float[] zeroPoint) {
    /** Element types a factor tensor can be stored in. */
    public enum DType {
        /** Single precision, 4 bytes. */
        F32(4),
        /** IEEE half precision, 2 bytes. */
        F16(2),
        /** bfloat16: the upper 16 bits of a single-precision value, 2 bytes. */
        BF16(2),
        /** Signed 8-bit codes with scales (and zero points), 1 byte. */
        I8(1);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** Returns the bytes per element. */
        public int bytes() {
            return bytes;
        }
    }

    /**
     * Checks the parts against each other.
     *
     * @throws IllegalArgumentException if scales are missing for {@link DType#I8} or given for
     *     another type, or the zero points do not match the scales in length
     */
    public StoredTensor {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        if (dtype == DType.I8) {
            if (scale == null || scale.length == 0) {
                throw new IllegalArgumentException("an I8 tensor needs scales");
            }
            if (zeroPoint != null && zeroPoint.length != scale.length) {
                throw new IllegalArgumentException(
                        "an I8 tensor has "
                                + scale.length
                                + " scales but "
                                + zeroPoint.length
                                + " zero points");
            }
        } else if (scale != null || zeroPoint != null) {
            throw new IllegalArgumentException(dtype + " tensors have no scales or zero points");
        }
    }

    /** Returns {@code values} stored as {@link DType#F32}. */
    public static StoredTensor f32(float[] values) {
        byte[] data = new byte[values.length * 4];
        for (int i = 0; i < values.length; i++) {
            int bits = Float.floatToRawIntBits(values[i]);
            data[4 * i] = (byte) bits;
            data[4 * i + 1] = (byte) (bits >>> 8);
            data[4 * i + 2] = (byte) (bits >>> 16);
            data[4 * i + 3] = (byte) (bits >>> 24);
        }
        return new StoredTensor(DType.F32, data, null, null);
    }

    /**
     * Returns the number of bytes this tensor takes in the file, scales and zero points included.
     */
    public long storedBytes() {
        long b = data.length;
        if (scale != null) {
            b += 4L * scale.length;
        }
        if (zeroPoint != null) {
            b += 4L * zeroPoint.length;
        }
        return b;
    }

    /**
     * Decodes the {@code rows x cols} values.
     *
     * @throws IllegalArgumentException if the data or the scales do not fit that shape
     */
    public float[] decode(int rows, int cols) {
        long n = (long) rows * cols;
        if (data.length != n * dtype.bytes) {
            throw new IllegalArgumentException(
                    "a "
                            + dtype
                            + " tensor of "
                            + rows
                            + " x "
                            + cols
                            + " values needs "
                            + n * dtype.bytes
                            + " bytes, has "
                            + data.length);
        }
        float[] out = new float[(int) n];
        switch (dtype) {
            case F32 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat(le16(2 * i) | le16(2 * i + 1) << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = halfToFloat((short) le16(i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat(le16(i) << 16);
                }
            }
            case I8 -> {
                if (scale.length != 1 && scale.length != rows) {
                    throw new IllegalArgumentException(
                            "an I8 tensor of "
                                    + rows
                                    + " rows needs 1 or "
                                    + rows
                                    + " scales, has "
                                    + scale.length);
                }
                boolean perRow = scale.length != 1 || rows == 1;
                for (int r = 0; r < rows; r++) {
                    int g = perRow ? r : 0;
                    float s = scale[g];
                    float z = zeroPoint == null ? 0f : zeroPoint[g];
                    for (int c = 0; c < cols; c++) {
                        int i = r * cols + c;
                        out[i] = (data[i] - z) * s;
                    }
                }
            }
            default -> throw new AssertionError(dtype);
        }
        return out;
    }

    private int le16(int index) {
        return (data[2 * index] & 0xff) | (data[2 * index + 1] & 0xff) << 8;
    }

    /** Returns the single-precision value of the IEEE half-precision bits {@code h}. */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mant << 13);
        }
        if (exp == 0) {
            // Zero or subnormal: mant * 2^-24.
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
    }
}
