package dev.maas.recommend.retrieval;

/**
 * Symmetric per-row int8 quantisation: a row {@code x} is stored as {@code round(x / s)} clamped to
 * {@code [-127, 127]} with {@code s = max|x| / 127}, so its largest value maps to 127 and zero
 * stays zero exactly. Stateless.
 */
final class Int8 {
    private Int8() {}

    /** Returns the scale of {@code x[off .. off + d - 1]}; 0 for an all-zero row. */
    static float scale(float[] x, int off, int d) {
        float max = 0f;
        for (int j = 0; j < d; j++) {
            max = Math.max(max, Math.abs(x[off + j]));
        }
        return max / 127f;
    }

    /** Returns the code of {@code v} under {@code scale}. */
    static byte code(float v, float scale) {
        if (scale == 0f) {
            return 0;
        }
        int c = Math.round(v / scale);
        return (byte) Math.max(-127, Math.min(127, c));
    }

    /** A query quantised with one scale for the whole vector. */
    static final class Query {
        final int[] codes;
        final float scale;

        Query(float[] q) {
            this.scale = Int8.scale(q, 0, q.length);
            this.codes = new int[q.length];
            for (int j = 0; j < q.length; j++) {
                codes[j] = code(q[j], scale);
            }
        }
    }
}
