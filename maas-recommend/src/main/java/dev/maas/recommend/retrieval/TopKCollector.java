package dev.maas.recommend.retrieval;

import java.util.Arrays;
import java.util.List;

/**
 * Keeps the best {@code k} (item, score) pairs offered to it in a bounded binary heap whose root is
 * the worst kept pair, so each offer below the current threshold costs one comparison. "Better"
 * means a higher score, or an equal score and a lower index, which makes results independent of the
 * order items are offered in. NaN scores are never kept. Not thread-safe: one per query and thread.
 */
final class TopKCollector {
    private final int k;
    // Grown on demand so that a huge k on a small index does not allocate k slots up front.
    private float[] heapScores;
    private int[] heapItems;
    private int size;

    TopKCollector(int k) {
        this.k = k;
        int initial = Math.min(k, 64);
        this.heapScores = new float[initial];
        this.heapItems = new int[initial];
    }

    /** Returns the score an item must reach to be considered: -inf until {@code k} are kept. */
    float threshold() {
        return size < k ? Float.NEGATIVE_INFINITY : heapScores[0];
    }

    int size() {
        return size;
    }

    int k() {
        return k;
    }

    /** Offers an item; returns whether it was kept. */
    boolean offer(int item, float score) {
        if (!(score >= threshold())) {
            return false; // also rejects NaN
        }
        if (size < k) {
            if (size == heapScores.length) {
                int grown = (int) Math.min(k, 2L * heapScores.length);
                heapScores = Arrays.copyOf(heapScores, grown);
                heapItems = Arrays.copyOf(heapItems, grown);
            }
            int i = size++;
            // sift up
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!worse(score, item, heapScores[parent], heapItems[parent])) {
                    break;
                }
                heapScores[i] = heapScores[parent];
                heapItems[i] = heapItems[parent];
                i = parent;
            }
            heapScores[i] = score;
            heapItems[i] = item;
            return true;
        }
        if (!worse(heapScores[0], heapItems[0], score, item)) {
            return false; // equal score, higher index than the worst kept one
        }
        siftDown(score, item);
        return true;
    }

    /** Replaces the root by (score, item) and restores the heap. */
    private void siftDown(float score, int item) {
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size
                    && worse(
                            heapScores[right],
                            heapItems[right],
                            heapScores[child],
                            heapItems[child])) {
                child = right;
            }
            if (!worse(heapScores[child], heapItems[child], score, item)) {
                break;
            }
            heapScores[i] = heapScores[child];
            heapItems[i] = heapItems[child];
            i = child;
        }
        heapScores[i] = score;
        heapItems[i] = item;
    }

    /** Offers everything another collector kept. */
    void addAll(TopKCollector other) {
        for (int i = 0; i < other.size; i++) {
            offer(other.heapItems[i], other.heapScores[i]);
        }
    }

    /** Returns whether (s1, i1) ranks below (s2, i2). */
    static boolean worse(float s1, int i1, float s2, int i2) {
        return s1 < s2 || (s1 == s2 && i1 > i2);
    }

    /** Returns the kept pairs, best first. Leaves this collector in an unspecified state. */
    List<IndexHit> result() {
        IndexHit[] out = new IndexHit[size];
        // Pop the worst repeatedly, filling from the back.
        for (int n = size; n > 0; n--) {
            out[n - 1] = new IndexHit(heapItems[0], heapScores[0]);
            size--;
            if (size > 0) {
                float s = heapScores[size];
                int it = heapItems[size];
                siftDown(s, it);
            }
        }
        return List.of(out);
    }
}
