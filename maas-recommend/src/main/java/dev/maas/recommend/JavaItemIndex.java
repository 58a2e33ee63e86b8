package dev.maas.recommend;

import java.util.Arrays;
import java.util.BitSet;

/** A plain Java {@link ItemIndex}: scores every item, keeps the best k in a small heap. */
final class JavaItemIndex implements ItemIndex {
    private final float[] vectors;
    private final float[] bias;
    private final int dim;
    private final int n;

    JavaItemIndex(float[] vectors, float[] bias, int dim) {
        this.vectors = vectors;
        this.bias = bias;
        this.dim = dim;
        this.n = vectors.length / dim;
    }

    @Override
    public Hit[] topK(float[] query, int k, BitSet excluded, BitSet allowed, int[] candidates) {
        int[] heapItems = new int[k];
        float[] heapScores = new float[k];
        int size = 0;
        int count = candidates == null ? n : candidates.length;
        for (int c = 0; c < count; c++) {
            int i = candidates == null ? c : candidates[c];
            if ((excluded != null && excluded.get(i)) || (allowed != null && !allowed.get(i))) {
                continue;
            }
            float s = score(query, i);
            if (size < k) {
                heapItems[size] = i;
                heapScores[size] = s;
                siftUp(heapItems, heapScores, size++);
            } else if (k > 0 && better(s, i, heapScores[0], heapItems[0])) {
                heapItems[0] = i;
                heapScores[0] = s;
                siftDown(heapItems, heapScores, size);
            }
        }
        Hit[] hits = new Hit[size];
        for (int h = 0; h < size; h++) {
            hits[h] = new Hit(heapItems[h], heapScores[h]);
        }
        Arrays.sort(
                hits,
                (a, b) ->
                        a.score() != b.score()
                                ? Float.compare(b.score(), a.score())
                                : Integer.compare(a.item(), b.item()));
        return hits;
    }

    /** Whether (s, i) ranks above (t, j): higher score, then lower index. */
    private static boolean better(float s, int i, float t, int j) {
        return s > t || (s == t && i < j);
    }

    // Min-heap of the current best: the root is the worst kept item.
    private static void siftUp(int[] items, float[] scores, int pos) {
        while (pos > 0) {
            int parent = (pos - 1) / 2;
            if (!better(scores[parent], items[parent], scores[pos], items[pos])) {
                return;
            }
            swap(items, scores, pos, parent);
            pos = parent;
        }
    }

    private static void siftDown(int[] items, float[] scores, int size) {
        int pos = 0;
        while (true) {
            int l = 2 * pos + 1;
            int r = l + 1;
            int worst = pos;
            if (l < size && better(scores[worst], items[worst], scores[l], items[l])) {
                worst = l;
            }
            if (r < size && better(scores[worst], items[worst], scores[r], items[r])) {
                worst = r;
            }
            if (worst == pos) {
                return;
            }
            swap(items, scores, pos, worst);
            pos = worst;
        }
    }

    private static void swap(int[] items, float[] scores, int a, int b) {
        int ti = items[a];
        items[a] = items[b];
        items[b] = ti;
        float ts = scores[a];
        scores[a] = scores[b];
        scores[b] = ts;
    }

    @Override
    public float score(float[] query, int item) {
        float s = bias == null ? 0f : bias[item];
        int off = item * dim;
        for (int d = 0; d < dim; d++) {
            s += query[d] * vectors[off + d];
        }
        return s;
    }

    @Override
    public long memoryBytes() {
        return 4L * vectors.length + (bias == null ? 0 : 4L * bias.length);
    }

    @Override
    public void close() {}
}
