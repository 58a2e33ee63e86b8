package dev.maas.server;

/**
 * Conversions between {@code float}/{@code double} and the 16-bit float formats: IEEE 754 binary16
 * (FP16) and bfloat16 (BF16), rounding to nearest, ties to even, as the JDK does for its own
 * narrowing conversions. Stateless.
 */
final class Halfs {
    private Halfs() {}

    /** Returns the FP16 bits nearest to {@code v}. */
    static short toHalf(double v) {
        long bits = Double.doubleToRawLongBits(v);
        int sign = (int) (bits >>> 48) & 0x8000;
        if (Double.isNaN(v)) {
            return (short) (sign | 0x7E00);
        }
        double a = Math.abs(v);
        if (a >= 65520.0) { // rounds to infinity (65504 is the largest finite half)
            return (short) (sign | 0x7C00);
        }
        if (a < 0x1.0p-14) {
            // Subnormal (or zero): a multiple of 2^-24, rounded half to even by Math.rint.
            int m = (int) Math.rint(a * 0x1.0p24);
            return (short) (sign | m); // m == 1024 becomes the smallest normal, as it should
        }
        int exp = Math.getExponent(a); // -14 .. 15
        double mant = a / Math.scalb(1.0, exp); // [1, 2)
        long m = (long) Math.rint((mant - 1.0) * 1024.0); // 0 .. 1024
        int e = exp + 15;
        if (m == 1024) {
            m = 0;
            e++;
        }
        if (e >= 31) {
            return (short) (sign | 0x7C00);
        }
        return (short) (sign | (e << 10) | (int) m);
    }

    /** Returns the value of the FP16 bits {@code h}. */
    static float fromHalf(short h) {
        int bits = h & 0xFFFF;
        float sign = (bits & 0x8000) != 0 ? -1f : 1f; // a float, so that -0.0 keeps its sign
        int e = (bits >>> 10) & 0x1F;
        int m = bits & 0x3FF;
        if (e == 0) {
            return sign * (m * 0x1.0p-24f);
        }
        if (e == 31) {
            return m == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        return sign * (1 + m / 1024f) * Math.scalb(1f, e - 15);
    }

    /** Returns the BF16 bits nearest to {@code v} (rounded to float first, then to BF16). */
    static short toBfloat16(double v) {
        float f = (float) v;
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int lsb = (bits >>> 16) & 1;
        bits += 0x7FFF + lsb;
        return (short) (bits >>> 16);
    }

    /** Returns the value of the BF16 bits {@code b}. */
    static float fromBfloat16(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
