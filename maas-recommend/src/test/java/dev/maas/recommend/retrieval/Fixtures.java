package dev.maas.recommend.retrieval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;

/** Test data and an independent brute-force reference for top-K retrieval. */
final class Fixtures {
    private Fixtures() {}

    /**
     * Integer values in {@code [-range, range]} stored as floats: every dot product of such vectors
     * (and integer biases) is exact in float whatever the summation order, so all kernels must
     * return exactly the reference scores, and ties are frequent.
     */
    static float[] integers(Random rnd, int count, int range) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = rnd.nextInt(2 * range + 1) - range;
        }
        return x;
    }

    static float[] gaussians(Random rnd, int count) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /**
     * Embeddings shaped like trained factor models: each vector is a mix of {@code rank} shared
     * "taste" directions plus noise, scaled by a log-normal popularity factor (popular items get
     * longer vectors), as matrix factorisation tends to produce.
     */
    static float[] lowRank(Random rnd, int n, int d, float[][] topics, double noise) {
        float[] x = new float[n * d];
        int rank = topics.length;
        for (int i = 0; i < n; i++) {
            double norm = Math.exp(0.3 * rnd.nextGaussian());
            double[] w = new double[rank];
            for (int r = 0; r < rank; r++) {
                w[r] = rnd.nextGaussian();
            }
            for (int j = 0; j < d; j++) {
                double v = noise * rnd.nextGaussian();
                for (int r = 0; r < rank; r++) {
                    v += w[r] * topics[r][j];
                }
                x[i * d + j] = (float) (norm * v / Math.sqrt(rank));
            }
        }
        return x;
    }

    static float[][] topics(Random rnd, int rank, int d) {
        float[][] t = new float[rank][];
        for (int r = 0; r < rank; r++) {
            t[r] = gaussians(rnd, d);
        }
        return t;
    }

    static float[] row(float[] items, int d, int i) {
        float[] v = new float[d];
        System.arraycopy(items, i * d, v, 0, d);
        return v;
    }

    /** Scores in double precision: {@code sum_j q_j x_ij + bias_i}. */
    static double[] referenceScores(float[] items, int d, float[] bias, float[] q) {
        int n = items.length / d;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            double acc = 0;
            for (int j = 0; j < d; j++) {
                acc += (double) q[j] * items[i * d + j];
            }
            s[i] = acc + (bias == null ? 0 : bias[i]);
        }
        return s;
    }

    /**
     * Sorts every eligible item by score (descending, then index ascending) and returns the first
     * {@code k}: the definition of the result, with no heap and no shortcuts.
     */
    static List<IndexHit> bruteForce(double[] scores, int k, IntPredicate eligible) {
        List<IndexHit> all = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (eligible.test(i)) {
                all.add(new IndexHit(i, (float) scores[i]));
            }
        }
        all.sort(
                Comparator.comparingDouble((IndexHit s) -> -s.score())
                        .thenComparingInt(IndexHit::index));
        return all.subList(0, Math.min(k, all.size()));
    }

    /** Size of the intersection of the item sets of two results. */
    static int overlap(List<IndexHit> a, List<IndexHit> b) {
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        a.forEach(s -> ids.add(s.index()));
        int common = 0;
        for (IndexHit s : b) {
            if (ids.contains(s.index())) {
                common++;
            }
        }
        return common;
    }
}
