package dev.maas.recommend.train;

import dev.maas.recommend.data.Interactions;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Implicit ALS with a conjugate-gradient solver. Every distinct (user, item) pair of the training
 * data is a preference of 1 with confidence {@code 1 + alpha}; all other pairs are preferences of 0
 * with confidence 1. One epoch solves every user vector with the item vectors fixed, then every
 * item vector with the user vectors fixed. Each solve minimises {@code sum_i c_ui (p_ui - x_u .
 * y_i)² + λ|x_u|²}, whose normal equations are {@code (YᵀY + sum_{i in I(u)} alpha y_i y_iᵀ + λI)
 * x_u = (1 + alpha) sum_{i in I(u)} y_i}; {@code YᵀY} is computed once per half-epoch, so a matrix
 * product costs {@code O(d² + |I(u)| d)} and the system is never formed. {@value #CG_STEPS}
 * conjugate-gradient steps start from the previous epoch's vector, which Takács et al. found as
 * good as an exact solve after a few epochs at a fraction of the cost. Users (and items) are solved
 * in parallel on the common pool; each solve is independent, so the result does not depend on the
 * number of threads.
 */
final class IalsSolver implements IterativeSolver {
    static final int CG_STEPS = 3;

    private final Interactions train;
    private final int d;
    private final float lambda;
    private final float alpha;
    private final int[][] itemsOfUser;
    private final int[][] usersOfItem;
    private final float[] x;
    private final float[] y;

    IalsSolver(Interactions train, TrainingConfig config, SplittableRandom random) {
        this.train = train;
        this.d = config.factors();
        this.lambda = config.l2();
        this.alpha = config.alpha();
        int m = train.numUsers();
        int n = train.numItems();
        itemsOfUser = new int[m][];
        int[] counts = new int[n];
        for (int u = 0; u < m; u++) {
            itemsOfUser[u] = train.itemsOf(u);
            for (int i : itemsOfUser[u]) {
                counts[i]++;
            }
        }
        usersOfItem = new int[n][];
        for (int i = 0; i < n; i++) {
            usersOfItem[i] = new int[counts[i]];
        }
        int[] fill = new int[n];
        for (int u = 0; u < m; u++) {
            for (int i : itemsOfUser[u]) {
                usersOfItem[i][fill[i]++] = u;
            }
        }
        // Dot products of order 1 at the start: with tiny initial vectors a strong penalty shrinks
        // everything towards zero in the first solves and training stalls there.
        double std = 1 / Math.sqrt(d);
        x = new float[Math.multiplyExact(m, d)];
        y = new float[Math.multiplyExact(n, d)];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (random.nextGaussian() * std);
        }
        for (int k = 0; k < y.length; k++) {
            y[k] = (float) (random.nextGaussian() * std);
        }
    }

    @Override
    public double epoch() {
        int m = train.numUsers();
        int n = train.numItems();
        double[] gy = Dense.gram(y, n, d);
        IntStream.range(0, m).parallel().forEach(u -> solve(x, u, y, itemsOfUser[u], gy));
        double[] gx = Dense.gram(x, m, d);
        IntStream.range(0, n).parallel().forEach(i -> solve(y, i, x, usersOfItem[i], gx));
        return loss(Dense.gram(y, n, d));
    }

    /** Updates row {@code r} of {@code target} against the fixed {@code other} by CG steps. */
    private void solve(float[] target, int r, float[] other, int[] observed, double[] gram) {
        double[] v = new double[d];
        int o = r * d;
        for (int f = 0; f < d; f++) {
            v[f] = target[o + f];
        }
        double[] b = new double[d];
        for (int j : observed) {
            int q = j * d;
            for (int f = 0; f < d; f++) {
                b[f] += (1 + alpha) * other[q + f];
            }
        }
        double[] res = new double[d];
        double[] ap = new double[d];
        multiply(v, other, observed, gram, ap);
        double rr = 0;
        for (int f = 0; f < d; f++) {
            res[f] = b[f] - ap[f];
            rr += res[f] * res[f];
        }
        double[] p = res.clone();
        for (int step = 0; step < CG_STEPS && rr > 1e-20; step++) {
            multiply(p, other, observed, gram, ap);
            double pap = 0;
            for (int f = 0; f < d; f++) {
                pap += p[f] * ap[f];
            }
            double a = rr / pap;
            double next = 0;
            for (int f = 0; f < d; f++) {
                v[f] += a * p[f];
                res[f] -= a * ap[f];
                next += res[f] * res[f];
            }
            double beta = next / rr;
            for (int f = 0; f < d; f++) {
                p[f] = res[f] + beta * p[f];
            }
            rr = next;
        }
        for (int f = 0; f < d; f++) {
            target[o + f] = (float) v[f];
        }
    }

    /** {@code out = (gram + λI + alpha sum_j o_j o_jᵀ) v}. */
    private void multiply(double[] v, float[] other, int[] observed, double[] gram, double[] out) {
        for (int a = 0; a < d; a++) {
            double s = lambda * v[a];
            int ga = a * d;
            for (int b = 0; b < d; b++) {
                s += gram[ga + b] * v[b];
            }
            out[a] = s;
        }
        for (int j : observed) {
            int q = j * d;
            double dot = 0;
            for (int f = 0; f < d; f++) {
                dot += other[q + f] * v[f];
            }
            dot *= alpha;
            for (int f = 0; f < d; f++) {
                out[f] += dot * other[q + f];
            }
        }
    }

    /**
     * The weighted loss per observed pair: {@code sum over all pairs of c (p - s)²} via {@code x_uᵀ
     * YᵀY x_u} for the unobserved part, plus the penalty.
     */
    private double loss(double[] gy) {
        double total = 0;
        long observed = 0;
        for (int u = 0; u < train.numUsers(); u++) {
            int o = u * d;
            double quad = 0;
            for (int a = 0; a < d; a++) {
                double s = 0;
                for (int b = 0; b < d; b++) {
                    s += gy[a * d + b] * x[o + b];
                }
                quad += x[o + a] * s;
            }
            total += quad;
            for (int i : itemsOfUser[u]) {
                double s = 0;
                for (int f = 0; f < d; f++) {
                    s += x[o + f] * y[i * d + f];
                }
                total += (1 + alpha) * (1 - s) * (1 - s) - s * s;
                observed++;
            }
        }
        double penalty = 0;
        for (float v : x) {
            penalty += v * v;
        }
        for (float v : y) {
            penalty += v * v;
        }
        return (total + lambda * penalty) / Math.max(1, observed);
    }

    @Override
    public FactorModel snapshot(Map<String, String> properties) {
        return new FactorModel(
                ModelType.IALS,
                d,
                train.users(),
                train.items(),
                train.hasItemMetadata() ? train.catalogue() : null,
                train.genres(),
                x.clone(),
                y.clone(),
                new float[train.numUsers()],
                new float[train.numItems()],
                0f,
                Float.NaN,
                Float.NaN,
                properties,
                true);
    }
}
