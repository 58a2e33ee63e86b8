package dev.maas.recommend.eval;

/**
 * How a ranking evaluation chooses the candidates a held-out item competes against.
 *
 * <ul>
 *   <li>{@link #fullRanking()}: every catalogue item the user has not interacted with in the
 *       training set. The stricter protocol, and the one that matches serving.
 *   <li>{@link #sampled(int, long)}: each held-out item against {@code negatives} items drawn
 *       uniformly (seeded) from those the user never interacted with (the "1 positive + 99
 *       negatives" protocol of the neural collaborative filtering literature). Scores are higher
 *       and not comparable to full ranking.
 * </ul>
 *
 * @param negatives sampled negatives per held-out item; {@code 0} for full ranking
 * @param seed the seed of the negative sampling (unused for full ranking)
 */
public record RankingProtocol(int negatives, long seed) {

    /**
     * Checks the arguments.
     *
     * @throws IllegalArgumentException if {@code negatives < 0}
     */
    public RankingProtocol {
        if (negatives < 0) {
            throw new IllegalArgumentException("negatives must be >= 0, was " + negatives);
        }
    }

    /** Returns the full-ranking protocol. */
    public static RankingProtocol fullRanking() {
        return new RankingProtocol(0, 0);
    }

    /**
     * Returns the sampled protocol: each held-out item against {@code negatives} sampled ones.
     *
     * @throws IllegalArgumentException if {@code negatives < 1}
     */
    public static RankingProtocol sampled(int negatives, long seed) {
        if (negatives < 1) {
            throw new IllegalArgumentException("negatives must be >= 1, was " + negatives);
        }
        return new RankingProtocol(negatives, seed);
    }

    /** Returns whether this is full ranking. */
    public boolean isFullRanking() {
        return negatives == 0;
    }

    @Override
    public String toString() {
        return isFullRanking() ? "full ranking" : "1 vs " + negatives + " sampled";
    }
}
