package dev.maas.behaviour.churn;

import java.util.Arrays;
import java.util.Locale;

/**
 * Quality of probabilistic yes/no predictions.
 *
 * <ul>
 *   <li><b>AUC</b>: the probability that a random positive scores above a random negative (ties
 *       count half), computed from ranks.
 *   <li><b>Log-loss</b>: the mean of {@code -[y log p + (1-y) log(1-p)]}, with {@code p} clipped to
 *       {@code [1e-7, 1 - 1e-7]}.
 *   <li><b>Calibration error</b> (expected calibration error): predictions put in 10 equal-width
 *       bins of {@code p}; the mean over rows of {@code |mean p - positive rate|} of their bin.
 * </ul>
 *
 * @param auc area under the ROC curve
 * @param logLoss mean log-loss
 * @param calibrationError expected calibration error over 10 bins
 * @param positiveRate the share of positives
 * @param rows the number of rows
 */
public record BinaryMetrics(
        double auc, double logLoss, double calibrationError, double positiveRate, int rows) {

    /**
     * Computes the metrics of predictions {@code p} against labels {@code y} (0 or 1).
     *
     * @throws IllegalArgumentException if lengths differ, there are no rows, a label is not 0/1, or
     *     a prediction is outside [0, 1]
     */
    public static BinaryMetrics of(float[] y, float[] p) {
        if (y.length != p.length || y.length == 0) {
            throw new IllegalArgumentException(
                    "need as many predictions as labels, and some: "
                            + y.length
                            + " vs "
                            + p.length);
        }
        int n = y.length;
        int pos = 0;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            if (y[i] != 0 && y[i] != 1) {
                throw new IllegalArgumentException("label " + i + " is " + y[i] + ", not 0 or 1");
            }
            if (!(p[i] >= 0 && p[i] <= 1)) {
                throw new IllegalArgumentException("prediction " + i + " is " + p[i]);
            }
            pos += (int) y[i];
            double q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]));
            loss -= y[i] == 1 ? Math.log(q) : Math.log(1 - q);
        }
        return new BinaryMetrics(auc(y, p), loss / n, calibration(y, p, 10), pos / (double) n, n);
    }

    static double auc(float[] y, float[] p) {
        int n = y.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(p[a], p[b]));
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && p[order[j + 1]] == p[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1; // mean rank of the tie group, 1-based
            for (int k = i; k <= j; k++) {
                if (y[order[k]] == 1) {
                    rankSumPos += rank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / (pos * (double) neg);
    }

    static double calibration(float[] y, float[] p, int bins) {
        double[] sumP = new double[bins];
        double[] sumY = new double[bins];
        int[] count = new int[bins];
        for (int i = 0; i < y.length; i++) {
            int b = Math.min(bins - 1, (int) (p[i] * bins));
            sumP[b] += p[i];
            sumY[b] += y[i];
            count[b]++;
        }
        double err = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) {
                err += Math.abs(sumP[b] - sumY[b]);
            }
        }
        return err / y.length;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "AUC %.4f, log-loss %.4f, calibration error %.4f (%d rows, %.1f%% positive)",
                auc,
                logLoss,
                calibrationError,
                rows,
                100 * positiveRate);
    }
}
