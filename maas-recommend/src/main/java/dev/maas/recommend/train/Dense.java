package dev.maas.recommend.train;

import java.util.stream.IntStream;

/**
 * Dense linear algebra on row-major {@code double[]} matrices, for the closed-form and
 * alternating-least-squares models and for fold-in: Cholesky factorisation of a symmetric positive
 * definite matrix, solves against it, and the inverse. Written out here so that these models need
 * no numerical library. Stateless and thread-safe.
 */
final class Dense {
    private Dense() {}

    /**
     * Factorises the symmetric positive definite {@code n x n} matrix {@code a} as {@code L Lᵀ} and
     * returns {@code L} (lower triangle, row-major; the upper triangle is zero). {@code a} is not
     * changed. Row-oriented (Cholesky-Banachiewicz), so the inner loops run along rows.
     *
     * @throws IllegalArgumentException if the matrix is not positive definite
     */
    static double[] cholesky(double[] a, int n) {
        double[] l = new double[Math.multiplyExact(n, n)];
        for (int i = 0; i < n; i++) {
            int ri = i * n;
            for (int j = 0; j <= i; j++) {
                int rj = j * n;
                double s = a[ri + j];
                for (int k = 0; k < j; k++) {
                    s -= l[ri + k] * l[rj + k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalArgumentException(
                                "matrix is not positive definite (pivot "
                                        + i
                                        + " is "
                                        + s
                                        + "); raise the regularisation");
                    }
                    l[ri + i] = Math.sqrt(s);
                } else {
                    l[ri + j] = s / l[rj + j];
                }
            }
        }
        return l;
    }

    /** Solves {@code L Lᵀ x = b} in place of {@code b}, given {@code L} from {@link #cholesky}. */
    static void solve(double[] l, int n, double[] b) {
        for (int i = 0; i < n; i++) {
            double s = b[i];
            int ri = i * n;
            for (int k = 0; k < i; k++) {
                s -= l[ri + k] * b[k];
            }
            b[i] = s / l[ri + i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = b[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k * n + i] * b[k];
            }
            b[i] = s / l[i * n + i];
        }
    }

    /**
     * Returns the inverse of the symmetric positive definite {@code n x n} matrix {@code a}: the
     * Cholesky factor, then one solve per column, the columns in parallel on the common pool. About
     * {@code 4/3 n³} multiply-adds.
     *
     * @throws IllegalArgumentException if the matrix is not positive definite
     */
    static double[] inverseSpd(double[] a, int n) {
        double[] l = cholesky(a, n);
        // Lᵀ row-major, so the back substitution runs along rows too.
        double[] lt = new double[l.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                lt[j * n + i] = l[i * n + j];
            }
        }
        double[] inv = new double[l.length];
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        c -> {
                            double[] x = new double[n];
                            // Forward: L y = e_c; y is zero above c.
                            for (int i = c; i < n; i++) {
                                double s = i == c ? 1 : 0;
                                int ri = i * n;
                                for (int k = c; k < i; k++) {
                                    s -= l[ri + k] * x[k];
                                }
                                x[i] = s / l[ri + i];
                            }
                            // Back: Lᵀ z = y.
                            for (int i = n - 1; i >= 0; i--) {
                                double s = x[i];
                                int ri = i * n;
                                for (int k = i + 1; k < n; k++) {
                                    s -= lt[ri + k] * x[k];
                                }
                                x[i] = s / lt[ri + i];
                            }
                            // The inverse is symmetric: column c is row c.
                            System.arraycopy(x, 0, inv, c * n, n);
                        });
        return inv;
    }

    /** Returns {@code Yᵀ Y} ({@code d x d}) of the {@code rows x d} row-major matrix {@code y}. */
    static double[] gram(float[] y, int rows, int d) {
        double[] g = new double[d * d];
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            for (int a = 0; a < d; a++) {
                double ya = y[o + a];
                if (ya == 0) {
                    continue;
                }
                int ga = a * d;
                for (int b = a; b < d; b++) {
                    g[ga + b] += ya * y[o + b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < a; b++) {
                g[a * d + b] = g[b * d + a];
            }
        }
        return g;
    }
}
