package dev.maas.behaviour.churn;

/**
 * L2-regularised logistic regression fitted by Newton's method on standardised features: the
 * baseline the tree models are compared with. Features are standardised with the training mean and
 * standard deviation; the intercept is not penalised.
 *
 * <p>Immutable once fitted; thread-safe.
 */
public final class LogisticRegression {
    private final double[] mean;
    private final double[] std;
    private final double[] w; // w[0] intercept, then one per feature

    private LogisticRegression(double[] mean, double[] std, double[] w) {
        this.mean = mean;
        this.std = std;
        this.w = w;
    }

    /**
     * Fits the model.
     *
     * @param x rows of {@code cols} features, row after row
     * @param y labels, 0 or 1
     * @param l2 penalty on the weights of the standardised features
     * @throws IllegalArgumentException if the shapes disagree
     */
    public static LogisticRegression fit(float[] x, int cols, float[] y, double l2) {
        int rows = y.length;
        if (x.length != rows * cols) {
            throw new IllegalArgumentException(
                    x.length + " values are not " + rows + " rows of " + cols);
        }
        double[] mean = new double[cols];
        double[] std = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                mean[c] += x[r * cols + c];
            }
        }
        for (int c = 0; c < cols; c++) {
            mean[c] /= rows;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double d = x[r * cols + c] - mean[c];
                std[c] += d * d;
            }
        }
        for (int c = 0; c < cols; c++) {
            std[c] = Math.sqrt(std[c] / rows);
            if (std[c] < 1e-9) {
                std[c] = 1;
            }
        }
        int k = cols + 1;
        double[] w = new double[k];
        double[] z = new double[k];
        for (int iter = 0; iter < 25; iter++) {
            double[] grad = new double[k];
            double[][] hess = new double[k][k];
            for (int r = 0; r < rows; r++) {
                z[0] = 1;
                for (int c = 0; c < cols; c++) {
                    z[c + 1] = (x[r * cols + c] - mean[c]) / std[c];
                }
                double p = sigmoid(dot(w, z));
                double g = p - y[r];
                double h = Math.max(p * (1 - p), 1e-9);
                for (int a = 0; a < k; a++) {
                    grad[a] += g * z[a];
                    for (int b = 0; b <= a; b++) {
                        hess[a][b] += h * z[a] * z[b];
                    }
                }
            }
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < a; b++) {
                    hess[b][a] = hess[a][b];
                }
                if (a > 0) {
                    grad[a] += l2 * w[a];
                    hess[a][a] += l2;
                }
                hess[a][a] += 1e-9;
            }
            double[] step = solve(hess, grad);
            double change = 0;
            for (int a = 0; a < k; a++) {
                w[a] -= step[a];
                change = Math.max(change, Math.abs(step[a]));
            }
            if (change < 1e-8) {
                break;
            }
        }
        return new LogisticRegression(mean, std, w);
    }

    /** Returns the probability of a positive for one row. */
    public float predict(float[] row) {
        double s = w[0];
        for (int c = 0; c < mean.length; c++) {
            s += w[c + 1] * (row[c] - mean[c]) / std[c];
        }
        return (float) sigmoid(s);
    }

    /** Returns the probabilities of rows of features, row after row. */
    public float[] predict(float[] x, int cols) {
        float[] p = new float[x.length / cols];
        float[] row = new float[cols];
        for (int r = 0; r < p.length; r++) {
            System.arraycopy(x, r * cols, row, 0, cols);
            p[r] = predict(row);
        }
        return p;
    }

    private static double sigmoid(double s) {
        return 1 / (1 + Math.exp(-s));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Solves {@code a x = b} by Gaussian elimination with partial pivoting ({@code a} is SPD). */
    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = java.util.Arrays.copyOf(a[i], n + 1);
            m[i][n] = b[i];
        }
        for (int col = 0; col < n; col++) {
            int piv = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) {
                    piv = r;
                }
            }
            double[] t = m[col];
            m[col] = m[piv];
            m[piv] = t;
            for (int r = col + 1; r < n; r++) {
                double f = m[r][col] / m[col][col];
                for (int c = col; c <= n; c++) {
                    m[r][c] -= f * m[col][c];
                }
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = m[r][n];
            for (int c = r + 1; c < n; c++) {
                s -= m[r][c] * x[c];
            }
            x[r] = s / m[r][r];
        }
        return x;
    }
}
