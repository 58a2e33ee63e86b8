package dev.maas.recommend.eval;

import java.util.Objects;

/**
 * The paired Student t-test on per-user differences between two models: {@code t = mean(d) / (sd(d)
 * / sqrt(n))} with {@code n - 1} degrees of freedom, and the two-sided p-value {@code P(|T| >= |t|)
 * = I_{ν/(ν+t²)}(ν/2, 1/2)}, where {@code I} is the regularised incomplete beta function, evaluated
 * here by its continued fraction (modified Lentz) with a Lanczos log-gamma, so no statistics
 * library is needed. Accurate to about 1e-10 in the p-value.
 *
 * @param n the number of pairs
 * @param meanDifference the mean of the differences
 * @param t the t statistic ({@code NaN} if every difference is the same)
 * @param p the two-sided p-value ({@code 1} if the differences are all zero, {@code 0} if they are
 *     all the same non-zero value)
 */
public record PairedTest(int n, double meanDifference, double t, double p) {

    /**
     * Tests whether the mean of {@code a[j] - b[j]} differs from zero.
     *
     * @throws IllegalArgumentException if the arrays differ in length or hold fewer than 2 pairs
     */
    public static PairedTest of(double[] a, double[] b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.length != b.length) {
            throw new IllegalArgumentException(
                    "paired samples differ in size: " + a.length + " and " + b.length);
        }
        int n = a.length;
        if (n < 2) {
            throw new IllegalArgumentException("a paired test needs at least 2 pairs, had " + n);
        }
        double mean = 0;
        for (int j = 0; j < n; j++) {
            mean += a[j] - b[j];
        }
        mean /= n;
        double ss = 0;
        for (int j = 0; j < n; j++) {
            double d = a[j] - b[j] - mean;
            ss += d * d;
        }
        double sd = Math.sqrt(ss / (n - 1));
        if (sd == 0) {
            return new PairedTest(n, mean, Double.NaN, mean == 0 ? 1 : 0);
        }
        double t = mean / (sd / Math.sqrt(n));
        return new PairedTest(n, mean, t, twoSidedP(t, n - 1));
    }

    /**
     * Returns {@code P(|T| >= |t|)} for Student's t distribution with {@code df} degrees of
     * freedom.
     *
     * @throws IllegalArgumentException if {@code df <= 0}
     */
    public static double twoSidedP(double t, double df) {
        if (!(df > 0)) {
            throw new IllegalArgumentException("degrees of freedom must be > 0, was " + df);
        }
        if (Double.isNaN(t)) {
            return Double.NaN;
        }
        if (Double.isInfinite(t)) {
            return 0;
        }
        return regularizedBeta(df / (df + t * t), df / 2, 0.5);
    }

    /**
     * Returns the regularised incomplete beta function {@code I_x(a, b)}.
     *
     * @throws IllegalArgumentException if {@code x} is outside [0, 1] or {@code a, b <= 0}
     */
    public static double regularizedBeta(double x, double a, double b) {
        if (!(x >= 0 && x <= 1) || !(a > 0) || !(b > 0)) {
            throw new IllegalArgumentException(
                    "regularizedBeta needs 0 <= x <= 1 and a, b > 0; was x="
                            + x
                            + ", a="
                            + a
                            + ", b="
                            + b);
        }
        if (x == 0 || x == 1) {
            return x;
        }
        double front =
                Math.exp(
                        logGamma(a + b)
                                - logGamma(a)
                                - logGamma(b)
                                + a * Math.log(x)
                                + b * Math.log1p(-x));
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use symmetry else.
        if (x < (a + 1) / (a + b + 2)) {
            return front * continuedFraction(x, a, b) / a;
        }
        return 1 - front * continuedFraction(1 - x, b, a) / b;
    }

    private static double continuedFraction(double x, double a, double b) {
        final double tiny = 1e-300;
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        d = Math.abs(d) < tiny ? tiny : d;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 10_000; m++) {
            int m2 = 2 * m;
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + num * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = 1 + num / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            h *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + num * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = 1 + num / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-15) {
                break;
            }
        }
        return h;
    }

    private static final double[] LANCZOS = {
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7
    };

    /** Returns {@code ln Γ(x)} for {@code x > 0} (Lanczos, g = 7). */
    static double logGamma(double x) {
        if (x < 0.5) {
            // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double z = x - 1;
        double sum = LANCZOS[0];
        double t = z + 7.5;
        for (int i = 1; i < LANCZOS.length; i++) {
            sum += LANCZOS[i] / (z + i);
        }
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
