package dev.maas.testing;

import java.util.Random;

/**
 * Plain-Java float math used as the independent reference for model outputs: no engine, no DJL,
 * double accumulation. Thread-safe (stateless).
 */
public final class ReferenceMath {
    private ReferenceMath() {}

    /**
     * Returns {@code x · w + b} for {@code x} of shape (n, in), {@code w} (in, out), {@code b}
     * (out).
     */
    public static float[][] affine(float[][] x, float[][] w, float[] b) {
        int in = w.length;
        int out = b.length;
        float[][] y = new float[x.length][out];
        for (int r = 0; r < x.length; r++) {
            if (x[r].length != in) {
                throw new IllegalArgumentException(
                        "row " + r + " has " + x[r].length + " != " + in);
            }
            for (int j = 0; j < out; j++) {
                double acc = b[j];
                for (int k = 0; k < in; k++) {
                    acc += (double) x[r][k] * w[k][j];
                }
                y[r][j] = (float) acc;
            }
        }
        return y;
    }

    /** Returns {@code max(x, 0)} element-wise, as a new array. */
    public static float[][] relu(float[][] x) {
        float[][] y = new float[x.length][];
        for (int r = 0; r < x.length; r++) {
            y[r] = new float[x[r].length];
            for (int j = 0; j < x[r].length; j++) {
                y[r][j] = Math.max(0f, x[r][j]);
            }
        }
        return y;
    }

    /** Returns the transpose of {@code m}. */
    public static float[][] transpose(float[][] m) {
        float[][] t = new float[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }

    /** Returns a (rows, cols) matrix of values uniform in [-scale, scale) from {@code random}. */
    public static float[][] uniform(Random random, int rows, int cols, float scale) {
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = (random.nextFloat() * 2 - 1) * scale;
            }
        }
        return m;
    }

    /** Returns {@code m} row-major in one array. */
    public static float[] flatten(float[][] m) {
        int cols = m[0].length;
        float[] flat = new float[m.length * cols];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, flat, i * cols, cols);
        }
        return flat;
    }

    /** Returns {@code flat} as a (rows, flat.length / rows) matrix. */
    public static float[][] reshape(float[] flat, int rows) {
        if (rows == 0 || flat.length % rows != 0) {
            throw new IllegalArgumentException(
                    flat.length + " values do not fill " + rows + " rows");
        }
        int cols = flat.length / rows;
        float[][] m = new float[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, m[i], 0, cols);
        }
        return m;
    }
}
