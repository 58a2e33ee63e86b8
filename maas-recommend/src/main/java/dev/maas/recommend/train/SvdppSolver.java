package dev.maas.recommend.train;

import dev.maas.recommend.data.Interactions;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * SVD++ trained by stochastic gradient descent, one user at a time: the user's implicit term {@code
 * z_u = |N(u)|^-1/2 sum_{j in N(u)} y_j} is computed once, the user's ratings are visited in a
 * shuffled order with the usual updates of the biases, {@code p_u} and {@code q_i} (Koren 2008),
 * and the gradient of {@code z_u} is accumulated and applied to every {@code y_j} once at the end
 * of the user, which makes an epoch cost {@code O(ratings x d)} instead of {@code O(ratings x
 * |N(u)| x d)}. Single-threaded and deterministic for a seed.
 */
final class SvdppSolver implements IterativeSolver {
    private final Interactions train;
    private final int d;
    private final float lr;
    private final float l2;
    private final float biasL2;
    private final float mu;
    private final int[][] rowsOfUser;
    private final int[][] itemsOfUser;
    private final float[] p;
    private final float[] q;
    private final float[] yv;
    private final float[] bu;
    private final float[] bi;
    private final SplittableRandom random;

    SvdppSolver(Interactions train, TrainingConfig config, SplittableRandom random) {
        this.train = train;
        this.d = config.factors();
        this.lr = config.learningRate();
        this.l2 = config.l2();
        this.biasL2 = config.biasL2();
        this.mu = (float) train.meanValue();
        this.random = random;
        int m = train.numUsers();
        int n = train.numItems();
        int[] counts = new int[m];
        for (int r = 0; r < train.size(); r++) {
            counts[train.user(r)]++;
        }
        rowsOfUser = new int[m][];
        itemsOfUser = new int[m][];
        for (int u = 0; u < m; u++) {
            rowsOfUser[u] = new int[counts[u]];
            itemsOfUser[u] = train.itemsOf(u);
        }
        int[] fill = new int[m];
        for (int r = 0; r < train.size(); r++) {
            int u = train.user(r);
            rowsOfUser[u][fill[u]++] = r;
        }
        double std = 0.1 / Math.sqrt(d);
        p = gaussian(random, Math.multiplyExact(m, d), std);
        q = gaussian(random, Math.multiplyExact(n, d), std);
        yv = new float[Math.multiplyExact(n, d)];
        bu = new float[m];
        bi = new float[n];
    }

    private static float[] gaussian(SplittableRandom random, int size, double std) {
        float[] a = new float[size];
        for (int k = 0; k < size; k++) {
            a[k] = (float) (random.nextGaussian() * std);
        }
        return a;
    }

    @Override
    public double epoch() {
        int m = train.numUsers();
        int[] users = shuffled(m);
        double[] z = new double[d];
        double[] pe = new double[d];
        double[] acc = new double[d];
        double sse = 0;
        long count = 0;
        for (int u : users) {
            int[] rows = rowsOfUser[u];
            if (rows.length == 0) {
                continue;
            }
            int[] implicit = itemsOfUser[u];
            double norm = 1 / Math.sqrt(implicit.length);
            implicitTerm(implicit, norm, z);
            int pu = u * d;
            for (int f = 0; f < d; f++) {
                pe[f] = p[pu + f] + z[f];
                acc[f] = 0;
            }
            int[] order = rows.clone();
            for (int k = order.length - 1; k > 0; k--) {
                int j = random.nextInt(k + 1);
                int t = order[k];
                order[k] = order[j];
                order[j] = t;
            }
            for (int row : order) {
                int i = train.item(row);
                int qi = i * d;
                double pred = mu + bu[u] + bi[i];
                for (int f = 0; f < d; f++) {
                    pred += q[qi + f] * pe[f];
                }
                double e = train.value(row) - pred;
                sse += e * e;
                count++;
                bu[u] += (float) (lr * (e - biasL2 * bu[u]));
                bi[i] += (float) (lr * (e - biasL2 * bi[i]));
                for (int f = 0; f < d; f++) {
                    double qf = q[qi + f];
                    double pf = p[pu + f];
                    p[pu + f] = (float) (pf + lr * (e * qf - l2 * pf));
                    q[qi + f] = (float) (qf + lr * (e * pe[f] - l2 * qf));
                    acc[f] += e * qf;
                    pe[f] = p[pu + f] + z[f];
                }
            }
            for (int j : implicit) {
                int yj = j * d;
                for (int f = 0; f < d; f++) {
                    yv[yj + f] += (float) (lr * (norm * acc[f] - l2 * yv[yj + f]));
                }
            }
        }
        return count == 0 ? 0 : sse / count;
    }

    private void implicitTerm(int[] implicit, double norm, double[] z) {
        java.util.Arrays.fill(z, 0);
        for (int j : implicit) {
            int yj = j * d;
            for (int f = 0; f < d; f++) {
                z[f] += yv[yj + f];
            }
        }
        for (int f = 0; f < d; f++) {
            z[f] *= norm;
        }
    }

    private int[] shuffled(int n) {
        int[] order = new int[n];
        for (int k = 0; k < n; k++) {
            order[k] = k;
        }
        for (int k = n - 1; k > 0; k--) {
            int j = random.nextInt(k + 1);
            int t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        return order;
    }

    @Override
    public FactorModel snapshot(Map<String, String> properties) {
        int m = train.numUsers();
        float[] users = new float[Math.multiplyExact(m, d)];
        double[] z = new double[d];
        for (int u = 0; u < m; u++) {
            int[] implicit = itemsOfUser[u];
            if (implicit.length > 0) {
                implicitTerm(implicit, 1 / Math.sqrt(implicit.length), z);
            } else {
                java.util.Arrays.fill(z, 0);
            }
            for (int f = 0; f < d; f++) {
                users[u * d + f] = (float) (p[u * d + f] + z[f]);
            }
        }
        return new FactorModel(
                ModelType.SVDPP,
                d,
                train.users(),
                train.items(),
                train.hasItemMetadata() ? train.catalogue() : null,
                train.genres(),
                users,
                q.clone(),
                bu.clone(),
                bi.clone(),
                mu,
                train.minValue(),
                train.maxValue(),
                properties,
                true);
    }
}
