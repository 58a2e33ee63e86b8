package dev.maas.recommend.eval;

import java.util.Arrays;
import java.util.Objects;

/**
 * The evaluation measures, as plain functions on arrays, so that each can be checked by hand.
 *
 * <p>Ranking measures take a ranked list ({@code ranked[0]} is the top recommendation; only the
 * first {@code k} entries count, and a shorter list counts as padded with misses) and the sorted,
 * distinct item indices that are relevant for the user. With {@code hits(i)} = 1 when the item at
 * position {@code i} (1-based) is relevant and {@code R} = the number of relevant items:
 *
 * <ul>
 *   <li>HR@K = 1 if any of the first K is relevant, else 0
 *   <li>Precision@K = sum of hits(i) / K
 *   <li>Recall@K = sum of hits(i) / R
 *   <li>NDCG@K = sum of hits(i) / log2(i + 1), divided by the same sum for an ideal list, which has
 *       min(K, R) hits at the top
 *   <li>AP@K = sum of Precision@i x hits(i), divided by min(K, R); MAP@K is its mean over users
 *   <li>Coverage = distinct items in all users' lists / catalogue size
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class Metrics {
    private Metrics() {}

    /**
     * Returns the root mean squared error of {@code predicted} against {@code actual}.
     *
     * @throws IllegalArgumentException if the arrays differ in length or are empty
     */
    public static double rmse(float[] actual, float[] predicted) {
        checkPair(actual, predicted);
        double sum = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = (double) actual[i] - predicted[i];
            sum += d * d;
        }
        return Math.sqrt(sum / actual.length);
    }

    /**
     * Returns the mean absolute error of {@code predicted} against {@code actual}.
     *
     * @throws IllegalArgumentException if the arrays differ in length or are empty
     */
    public static double mae(float[] actual, float[] predicted) {
        checkPair(actual, predicted);
        double sum = 0;
        for (int i = 0; i < actual.length; i++) {
            sum += Math.abs((double) actual[i] - predicted[i]);
        }
        return sum / actual.length;
    }

    /** Returns HR@K: 1 if one of the first {@code k} ranked items is relevant, else 0. */
    public static double hitRate(int[] ranked, int k, int[] relevant) {
        return hits(ranked, k, relevant) > 0 ? 1 : 0;
    }

    /** Returns Precision@K: relevant items among the first {@code k}, divided by {@code k}. */
    public static double precision(int[] ranked, int k, int[] relevant) {
        checkK(k);
        return (double) hits(ranked, k, relevant) / k;
    }

    /**
     * Returns Recall@K: relevant items among the first {@code k}, divided by the number of relevant
     * items ({@code 0} when there are none).
     */
    public static double recall(int[] ranked, int k, int[] relevant) {
        return relevant.length == 0 ? 0 : (double) hits(ranked, k, relevant) / relevant.length;
    }

    /** Returns NDCG@K with binary relevance ({@code 0} when nothing is relevant). */
    public static double ndcg(int[] ranked, int k, int[] relevant) {
        checkK(k);
        double dcg = 0;
        int n = Math.min(k, ranked.length);
        for (int i = 0; i < n; i++) {
            if (isRelevant(relevant, ranked[i])) {
                dcg += 1 / log2(i + 2);
            }
        }
        double ideal = 0;
        for (int i = 0; i < Math.min(k, relevant.length); i++) {
            ideal += 1 / log2(i + 2);
        }
        return ideal == 0 ? 0 : dcg / ideal;
    }

    /**
     * Returns AP@K: the sum of Precision@i at each relevant position {@code i <= k}, divided by
     * {@code min(k, relevant.length)} ({@code 0} when nothing is relevant).
     */
    public static double averagePrecision(int[] ranked, int k, int[] relevant) {
        checkK(k);
        int denominator = Math.min(k, relevant.length);
        if (denominator == 0) {
            return 0;
        }
        double sum = 0;
        int found = 0;
        int n = Math.min(k, ranked.length);
        for (int i = 0; i < n; i++) {
            if (isRelevant(relevant, ranked[i])) {
                found++;
                sum += (double) found / (i + 1);
            }
        }
        return sum / denominator;
    }

    /**
     * Returns the share of a catalogue of {@code numItems} items that appears among the first
     * {@code k} entries of at least one list.
     *
     * @throws IllegalArgumentException if {@code numItems < 1}
     */
    public static double coverage(Iterable<int[]> lists, int k, int numItems) {
        if (numItems < 1) {
            throw new IllegalArgumentException("numItems must be >= 1, was " + numItems);
        }
        boolean[] seen = new boolean[numItems];
        int distinct = 0;
        for (int[] list : lists) {
            for (int i = 0; i < Math.min(k, list.length); i++) {
                if (!seen[list[i]]) {
                    seen[list[i]] = true;
                    distinct++;
                }
            }
        }
        return (double) distinct / numItems;
    }

    /**
     * Returns the indices of the {@code k} highest scores, best first, skipping indices where
     * {@code excluded} is true (if not null). Ties go to the lower index, so results are
     * reproducible. Runs in O(n log k).
     */
    public static int[] topK(float[] scores, int k, boolean[] excluded) {
        checkK(k);
        // A min-heap of the best k so far; the root is the weakest kept candidate.
        int[] heap = new int[k];
        int size = 0;
        for (int i = 0; i < scores.length; i++) {
            if (excluded != null && excluded[i]) {
                continue;
            }
            if (size < k) {
                heap[size] = i;
                siftUp(heap, size++, scores);
            } else if (better(i, heap[0], scores)) {
                heap[0] = i;
                siftDown(heap, size, scores);
            }
        }
        int[] out = new int[size];
        for (int n = size; n > 0; n--) {
            out[n - 1] = heap[0];
            heap[0] = heap[n - 1];
            siftDown(heap, n - 1, scores);
        }
        return out;
    }

    /** Whether item a ranks above item b: higher score, or equal score and lower index. */
    static boolean better(int a, int b, float[] scores) {
        float sa = scores[a];
        float sb = scores[b];
        return sa > sb || (sa == sb && a < b) || (Float.isNaN(sb) && !Float.isNaN(sa));
    }

    private static void siftUp(int[] heap, int i, float[] scores) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (better(heap[parent], heap[i], scores)) {
                swap(heap, parent, i);
                i = parent;
            } else {
                return;
            }
        }
    }

    private static void siftDown(int[] heap, int size, float[] scores) {
        int i = 0;
        while (true) {
            int left = 2 * i + 1;
            if (left >= size) {
                return;
            }
            int worst = left;
            int right = left + 1;
            if (right < size && better(heap[left], heap[right], scores)) {
                worst = right;
            }
            if (better(heap[i], heap[worst], scores)) {
                swap(heap, i, worst);
                i = worst;
            } else {
                return;
            }
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    private static int hits(int[] ranked, int k, int[] relevant) {
        checkK(k);
        int hits = 0;
        for (int i = 0; i < Math.min(k, ranked.length); i++) {
            if (isRelevant(relevant, ranked[i])) {
                hits++;
            }
        }
        return hits;
    }

    private static boolean isRelevant(int[] relevant, int item) {
        return Arrays.binarySearch(relevant, item) >= 0;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    private static void checkK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
    }

    private static void checkPair(float[] actual, float[] predicted) {
        Objects.requireNonNull(actual, "actual");
        Objects.requireNonNull(predicted, "predicted");
        if (actual.length != predicted.length || actual.length == 0) {
            throw new IllegalArgumentException(
                    "need two non-empty arrays of equal length, got "
                            + actual.length
                            + " and "
                            + predicted.length);
        }
    }
}
