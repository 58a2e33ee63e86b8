package dev.maas.recommend.eval;

import dev.maas.recommend.data.Interactions;
import java.util.Objects;

/**
 * Recommends the most-interacted-with items to everyone: the score of an item is the number of
 * training rows that name it. The baseline every personalised recommender must beat. Immutable and
 * thread-safe.
 */
public final class PopularityBaseline implements ItemScorer {
    private final float[] counts;

    private PopularityBaseline(float[] counts) {
        this.counts = counts;
    }

    /** Counts the training rows per item. */
    public static PopularityBaseline fit(Interactions train) {
        Objects.requireNonNull(train, "train");
        int[] c = train.itemCounts();
        float[] f = new float[c.length];
        for (int i = 0; i < c.length; i++) {
            f[i] = c[i];
        }
        return new PopularityBaseline(f);
    }

    /** Returns the training count of item {@code item}. */
    public int count(int item) {
        return (int) counts[item];
    }

    @Override
    public int numItems() {
        return counts.length;
    }

    @Override
    public void scoreAll(int user, float[] scores) {
        if (scores.length != counts.length) {
            throw new IllegalArgumentException(
                    "scores has length " + scores.length + ", expected " + counts.length);
        }
        System.arraycopy(counts, 0, scores, 0, counts.length);
    }

    @Override
    public void scoreItems(int user, int[] items, float[] scores) {
        for (int k = 0; k < items.length; k++) {
            scores[k] = counts[items[k]];
        }
    }
}
