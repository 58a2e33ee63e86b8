package dev.maas.recommend.rerank;

import dev.maas.recommend.data.Interactions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Re-ranks a candidate list (say the top 50 of a model) into the final top K for diversity and
 * freshness.
 *
 * <p>Relevance is the model's score scaled to [0, 1] over the candidates. <b>Freshness</b> adds
 * {@code freshnessWeight x 0.5^(age / halfLife)} to it, where an item's age is {@code now} minus
 * its time (such as its release, or {@link #debuts its first interaction}). <b>Diversity</b> picks
 * the list greedily by maximal marginal relevance (Carbonell and Goldstein 1998): each next item
 * maximises {@code (1 - w) x relevance - w x (its largest similarity to the items already picked)},
 * so {@code w = 0} keeps the model's order and larger weights spread the list across genres or
 * regions of the item space.
 *
 * <p>Immutable and thread-safe.
 */
public final class Reranker {
    private final double diversityWeight;
    private final ItemSimilarity similarity;
    private final long[] itemTimes;
    private final long now;
    private final double halfLifeSeconds;
    private final double freshnessWeight;

    private Reranker(Builder b) {
        this.diversityWeight = b.diversityWeight;
        this.similarity = b.similarity;
        this.itemTimes = b.itemTimes;
        this.now = b.now;
        this.halfLifeSeconds = b.halfLifeSeconds;
        this.freshnessWeight = b.freshnessWeight;
    }

    /** Returns a builder: no diversity, no freshness (the model's order). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns each item's first interaction time in {@code data} (epoch seconds; {@code
     * Long.MIN_VALUE} for items never seen), a stand-in for release dates when there are none.
     */
    public static long[] debuts(Interactions data) {
        long[] t = new long[data.numItems()];
        Arrays.fill(t, Long.MAX_VALUE);
        for (int r = 0; r < data.size(); r++) {
            t[data.item(r)] = Math.min(t[data.item(r)], data.timestamp(r));
        }
        for (int i = 0; i < t.length; i++) {
            if (t[i] == Long.MAX_VALUE) {
                t[i] = Long.MIN_VALUE;
            }
        }
        return t;
    }

    /**
     * Returns the best {@code k} of {@code candidates} (item indices with the model's {@code
     * scores}, in any order), best first.
     *
     * @throws IllegalArgumentException if the arrays differ in length or {@code k < 1}
     */
    public int[] rerank(int[] candidates, float[] scores, int k) {
        Objects.requireNonNull(candidates, "candidates");
        Objects.requireNonNull(scores, "scores");
        if (candidates.length != scores.length) {
            throw new IllegalArgumentException(
                    candidates.length + " candidates but " + scores.length + " scores");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
        int n = candidates.length;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        double range = max > min ? max - min : 1;
        double[] relevance = new double[n];
        for (int c = 0; c < n; c++) {
            relevance[c] = (scores[c] - min) / range + freshness(candidates[c]);
        }
        int size = Math.min(k, n);
        int[] out = new int[size];
        boolean[] taken = new boolean[n];
        double[] maxSim = new double[n];
        for (int pos = 0; pos < size; pos++) {
            int best = -1;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < n; c++) {
                if (taken[c]) {
                    continue;
                }
                double v = (1 - diversityWeight) * relevance[c] - diversityWeight * maxSim[c];
                if (v > bestValue || (v == bestValue && candidates[c] < candidates[best])) {
                    bestValue = v;
                    best = c;
                }
            }
            taken[best] = true;
            out[pos] = candidates[best];
            if (diversityWeight > 0) {
                for (int c = 0; c < n; c++) {
                    if (!taken[c]) {
                        maxSim[c] =
                                Math.max(
                                        maxSim[c],
                                        similarity.similarity(candidates[c], candidates[best]));
                    }
                }
            }
        }
        return out;
    }

    private double freshness(int item) {
        if (freshnessWeight == 0 || itemTimes[item] == Long.MIN_VALUE) {
            return 0;
        }
        double age = Math.max(0, now - itemTimes[item]);
        return freshnessWeight * Math.pow(0.5, age / halfLifeSeconds);
    }

    /** Configures a {@link Reranker}. Not thread-safe. */
    public static final class Builder {
        private double diversityWeight;
        private ItemSimilarity similarity;
        private long[] itemTimes;
        private long now;
        private double halfLifeSeconds = 1;
        private double freshnessWeight;

        private Builder() {}

        /**
         * Diversifies by maximal marginal relevance with {@code weight} in [0, 1).
         *
         * @throws IllegalArgumentException if the weight is outside [0, 1)
         */
        public Builder diversity(double weight, ItemSimilarity similarity) {
            if (!(weight >= 0 && weight < 1)) {
                throw new IllegalArgumentException(
                        "diversity weight must be in [0, 1) (1 would ignore relevance), was "
                                + weight);
            }
            this.diversityWeight = weight;
            this.similarity = Objects.requireNonNull(similarity, "similarity");
            return this;
        }

        /**
         * Boosts recent items: {@code weight x 0.5^(age / halfLife)} on relevance scaled to [0, 1],
         * with ages measured from {@code now} (epoch seconds) to {@code itemTimes[i]}.
         *
         * @throws IllegalArgumentException if the weight is negative or not finite, or the
         *     half-life is not positive
         */
        public Builder freshness(long[] itemTimes, long now, Duration halfLife, double weight) {
            Objects.requireNonNull(itemTimes, "itemTimes");
            Objects.requireNonNull(halfLife, "halfLife");
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException(
                        "freshness weight must be >= 0 and finite, was " + weight);
            }
            if (halfLife.isZero() || halfLife.isNegative()) {
                throw new IllegalArgumentException("half-life must be positive, was " + halfLife);
            }
            this.itemTimes = itemTimes.clone();
            this.now = now;
            this.halfLifeSeconds = halfLife.toMillis() / 1000.0;
            this.freshnessWeight = weight;
            return this;
        }

        /** Returns the re-ranker. */
        public Reranker build() {
            return new Reranker(this);
        }
    }
}
