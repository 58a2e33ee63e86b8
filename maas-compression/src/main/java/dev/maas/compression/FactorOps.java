package dev.maas.compression;

import dev.maas.recommend.train.FactorModel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Structured pruning and low-rank factorisation of factor models. Stateless. */
final class FactorOps {
    private FactorOps() {}

    /**
     * Removes the share {@code sparsity} of the factors (vector components) that carry the least
     * score energy, {@code ‖P_f‖ ‖Q_f‖}; keeps at least one.
     */
    static FactorModel pruneFactors(FactorModel m, double sparsity) {
        int d = m.dim();
        int keep = Math.max(1, (int) Math.ceil((1 - sparsity) * d - 1e-9));
        float[] p = RecommenderCompression.array(m.userFactors());
        float[] q = RecommenderCompression.array(m.itemFactors());
        double[] energy = new double[d];
        double[] pn = columnNorms(p, m.numUsers(), d);
        double[] qn = columnNorms(q, m.numItems(), d);
        for (int f = 0; f < d; f++) {
            energy[f] = pn[f] * qn[f];
        }
        Integer[] order = new Integer[d];
        for (int f = 0; f < d; f++) {
            order[f] = f;
        }
        Arrays.sort(order, (a, b) -> Double.compare(energy[b], energy[a]));
        int[] kept = new int[keep];
        for (int i = 0; i < keep; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return withFactors(
                m, keep, columns(p, m.numUsers(), d, kept), columns(q, m.numItems(), d, kept));
    }

    private static double[] columnNorms(float[] a, int rows, int cols) {
        double[] n = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double v = a[r * cols + c];
                n[c] += v * v;
            }
        }
        for (int c = 0; c < cols; c++) {
            n[c] = Math.sqrt(n[c]);
        }
        return n;
    }

    private static float[] columns(float[] a, int rows, int cols, int[] kept) {
        float[] out = new float[rows * kept.length];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < kept.length; i++) {
                out[r * kept.length + i] = a[r * cols + kept[i]];
            }
        }
        return out;
    }

    /**
     * Returns the best rank-{@code r} approximation of the score matrix {@code P Qᵀ} (truncated
     * SVD, through the {@code d x d} Gram matrices), biases unchanged. With {@code rank == 0} the
     * rank is the smallest that keeps {@code energy} of the squared singular values.
     *
     * @throws IllegalArgumentException if {@code rank} is larger than the factors
     */
    static FactorModel lowRank(FactorModel m, int rank, double energy) {
        int d = m.dim();
        if (rank > d) {
            throw new IllegalArgumentException(
                    "low-rank setting 'rank' is "
                            + rank
                            + ", larger than layer 'item_factors' ("
                            + m.numItems()
                            + " x "
                            + d
                            + "): at most "
                            + d);
        }
        float[] p = RecommenderCompression.array(m.userFactors());
        float[] q = RecommenderCompression.array(m.itemFactors());
        // P = U_p S_p V_pᵀ from the eigendecomposition of PᵀP.
        Linalg.Eigen ep = Linalg.symmetricEigen(Linalg.gram(p, m.numUsers(), d));
        double[] sp = new double[d];
        for (int i = 0; i < d; i++) {
            sp[i] = Math.sqrt(ep.values()[i]);
        }
        double tiny = 1e-9 * Math.max(sp[0], 1e-30);
        // Z = Q V_p S_p, so that P Qᵀ = U_p Zᵀ; then Z = U_z S_z Wᵀ.
        double[][] vs = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                vs[i][j] = ep.vectors()[i][j] * sp[j];
            }
        }
        float[] z = Linalg.times(q, m.numItems(), d, vs, d);
        Linalg.Eigen ez = Linalg.symmetricEigen(Linalg.gram(z, m.numItems(), d));
        int r = rank > 0 ? rank : Linalg.rankForEnergy(ez.values(), energy);
        // P' = P V_p S_p⁻¹ W_r S_r^½ and Q' = Z W_r S_r^-½ = Q V_p S_p W_r S_r^-½.
        double[][] left = new double[d][r];
        double[][] right = new double[d][r];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < r; j++) {
                double sr = Math.sqrt(ez.values()[j]);
                double l = 0;
                double rr = 0;
                for (int k = 0; k < d; k++) {
                    double w = ez.vectors()[k][j];
                    double v = ep.vectors()[i][k];
                    if (sp[k] > tiny) {
                        l += v / sp[k] * w;
                    }
                    rr += v * sp[k] * w;
                }
                left[i][j] = l * Math.sqrt(sr);
                right[i][j] = sr > 0 ? rr / Math.sqrt(sr) : 0;
            }
        }
        float[] p2 = Linalg.times(p, m.numUsers(), d, left, r);
        float[] q2 = Linalg.times(q, m.numItems(), d, right, r);
        return withFactors(m, r, p2, q2);
    }

    /** Returns {@code m} with other vectors of length {@code dim}, biases and ids unchanged. */
    static FactorModel withFactors(FactorModel m, int dim, float[] users, float[] items) {
        Map<String, String> props = new LinkedHashMap<>(m.properties());
        props.put("factors", Integer.toString(dim));
        return new FactorModel(
                m.type(),
                dim,
                m.users(),
                m.items(),
                m.hasItemMetadata() ? m.catalogue() : null,
                m.genres(),
                users,
                items,
                RecommenderCompression.array(m.userBiases()),
                RecommenderCompression.array(m.itemBiases()),
                m.globalBias(),
                m.minRating(),
                m.maxRating(),
                props);
    }
}
