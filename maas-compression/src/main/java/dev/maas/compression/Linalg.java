package dev.maas.compression;

import java.util.Arrays;

/** Small dense linear algebra in double precision: symmetric eigendecomposition, Gram matrices. */
final class Linalg {
    private Linalg() {}

    /**
     * The eigendecomposition of a symmetric matrix, eigenvalues descending; {@code vectors[i][j]}
     * is component {@code i} of eigenvector {@code j}.
     */
    record Eigen(double[] values, double[][] vectors) {}

    /** Returns {@code AᵀA} for the row-major {@code rows x cols} matrix {@code a}. */
    static double[][] gram(float[] a, int rows, int cols) {
        double[][] g = new double[cols][cols];
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            for (int i = 0; i < cols; i++) {
                double ai = a[off + i];
                if (ai == 0) {
                    continue;
                }
                for (int j = i; j < cols; j++) {
                    g[i][j] += ai * a[off + j];
                }
            }
        }
        for (int i = 0; i < cols; i++) {
            for (int j = 0; j < i; j++) {
                g[i][j] = g[j][i];
            }
        }
        return g;
    }

    /** Cyclic Jacobi rotations until the off-diagonal is negligible. */
    static Eigen symmetricEigen(double[][] matrix) {
        int n = matrix.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = matrix[i].clone();
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += a[i][i] * a[i][i];
                for (int j = i + 1; j < n; j++) {
                    off += a[i][j] * a[i][j];
                }
            }
            if (off <= 1e-30 * Math.max(diag, 1e-300)) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p][q];
                    if (Math.abs(apq) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * apq);
                    double t =
                            Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(a[y][y], a[x][x]));
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int j = 0; j < n; j++) {
            values[j] = Math.max(0, a[order[j]][order[j]]);
            for (int i = 0; i < n; i++) {
                vectors[i][j] = v[i][order[j]];
            }
        }
        return new Eigen(values, vectors);
    }

    /**
     * Returns the row-major {@code rows x k} product of {@code a} ({@code rows x n}) and {@code m}.
     */
    static float[] times(float[] a, int rows, int n, double[][] m, int k) {
        float[] out = new float[rows * k];
        double[] acc = new double[k];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(acc, 0);
            for (int i = 0; i < n; i++) {
                double ai = a[r * n + i];
                if (ai == 0) {
                    continue;
                }
                for (int j = 0; j < k; j++) {
                    acc[j] += ai * m[i][j];
                }
            }
            for (int j = 0; j < k; j++) {
                out[r * k + j] = (float) acc[j];
            }
        }
        return out;
    }

    /**
     * Returns the smallest rank whose leading eigenvalues (squared singular values) hold {@code
     * energy} of their sum; at least 1.
     */
    static int rankForEnergy(double[] squaredSingular, double energy) {
        double total = 0;
        for (double s : squaredSingular) {
            total += s;
        }
        double acc = 0;
        for (int r = 0; r < squaredSingular.length; r++) {
            acc += squaredSingular[r];
            if (acc >= energy * total * (1 - 1e-12)) {
                return r + 1;
            }
        }
        return squaredSingular.length;
    }
}
