package dev.maas.recommend.rerank;

import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.train.FactorModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The similarity of two items, between 0 (unrelated) and 1 (alike), by item index. Implementations
 * are immutable and thread-safe.
 */
@FunctionalInterface
public interface ItemSimilarity {
    /** Returns the similarity of items {@code a} and {@code b}. */
    double similarity(int a, int b);

    /**
     * Returns the Jaccard similarity of the items' genre sets (shared genres over all genres of the
     * two); two items without genres are unrelated.
     */
    static ItemSimilarity genres(List<ItemInfo> catalogue) {
        Objects.requireNonNull(catalogue, "catalogue");
        Map<String, Integer> ids = new HashMap<>();
        long[] masks = new long[catalogue.size()];
        for (int i = 0; i < masks.length; i++) {
            for (String g : catalogue.get(i).genres()) {
                int bit = ids.computeIfAbsent(g, x -> ids.size());
                if (bit >= 64) {
                    throw new IllegalArgumentException(
                            "genre similarity supports up to 64 genres, the catalogue has more");
                }
                masks[i] |= 1L << bit;
            }
        }
        return (a, b) -> {
            long union = masks[a] | masks[b];
            return union == 0
                    ? 0
                    : (double) Long.bitCount(masks[a] & masks[b]) / Long.bitCount(union);
        };
    }

    /** Returns the cosine similarity of the model's item vectors, clipped to [0, 1]. */
    static ItemSimilarity factors(FactorModel model) {
        Objects.requireNonNull(model, "model");
        int n = model.numItems();
        float[][] unit = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] v = model.itemVector(i);
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            float inv = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
            for (int f = 0; f < v.length; f++) {
                v[f] *= inv;
            }
            unit[i] = v;
        }
        return (a, b) -> {
            double s = 0;
            for (int f = 0; f < unit[a].length; f++) {
                s += unit[a][f] * unit[b][f];
            }
            return Math.max(0, Math.min(1, s));
        };
    }
}
