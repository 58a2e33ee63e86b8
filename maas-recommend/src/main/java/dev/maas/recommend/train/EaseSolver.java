package dev.maas.recommend.train;

import dev.maas.recommend.data.Interactions;
import java.util.Map;

/**
 * Fits {@link ModelType#EASE} in closed form: {@code P = (XᵀX + λI)⁻¹} in double precision (a
 * Cholesky factorisation, then one solve per column), {@code B = I - P diag(1/diag(P))}. The result
 * is a {@link FactorModel} of dimension {@code items}: user {@code u}'s vector is its binary
 * interaction row, item {@code i}'s vector is column {@code i} of {@code B}, so {@code x_u .
 * B[:,i]} is EASE's score. Stateless.
 */
final class EaseSolver {
    private EaseSolver() {}

    /**
     * Checks that a catalogue of {@code items} items and {@code users} users fits EASE.
     *
     * @throws IllegalArgumentException if it does not, naming the limit
     */
    static void checkSize(int users, int items) {
        if (items > ModelType.EASE_MAX_ITEMS) {
            throw new IllegalArgumentException(
                    "EASE needs an items x items matrix and trains on at most "
                            + ModelType.EASE_MAX_ITEMS
                            + " items; this catalogue has "
                            + items
                            + " (use ials or bpr-mf for large catalogues)");
        }
        long cells = (long) users * items;
        if (cells > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "EASE serves each user's interaction row as its vector; "
                            + users
                            + " users x "
                            + items
                            + " items is more than one array holds (at most "
                            + (Integer.MAX_VALUE - 8)
                            + " cells)");
        }
    }

    static FactorModel fit(Interactions train, TrainingConfig config) {
        int n = train.numItems();
        int m = train.numUsers();
        checkSize(m, n);
        double[] g = new double[n * n];
        float[] rows = new float[m * n];
        for (int u = 0; u < m; u++) {
            int[] seen = train.itemsOf(u);
            for (int a = 0; a < seen.length; a++) {
                int ia = seen[a];
                rows[u * n + ia] = 1f;
                int ga = ia * n;
                for (int b = 0; b < seen.length; b++) {
                    g[ga + seen[b]] += 1;
                }
            }
        }
        double lambda = config.l2();
        for (int i = 0; i < n; i++) {
            g[i * n + i] += lambda;
        }
        double[] p = Dense.inverseSpd(g, n);
        g = null; // free before the float copy
        float[] columns = new float[n * n];
        for (int i = 0; i < n; i++) {
            double scale = -1.0 / p[i * n + i];
            int ri = i * n;
            for (int j = 0; j < n; j++) {
                columns[ri + j] = j == i ? 0f : (float) (p[ri + j] * scale);
            }
        }
        return new FactorModel(
                ModelType.EASE,
                n,
                train.users(),
                train.items(),
                train.hasItemMetadata() ? train.catalogue() : null,
                train.genres(),
                rows,
                columns,
                new float[m],
                new float[n],
                0f,
                Float.NaN,
                Float.NaN,
                Map.of(),
                true);
    }
}
