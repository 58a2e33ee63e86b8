package dev.maas.recommend.eval;

/**
 * Scores items for a user so that a higher score means a better recommendation; only the order of
 * scores matters. Implementations used with {@link Evaluator} must be safe to call from several
 * threads at once.
 */
public interface ItemScorer {
    /** Returns the number of items scored (the catalogue size). */
    int numItems();

    /**
     * Writes the score of every item for {@code user} into {@code scores}, indexed by item.
     *
     * @throws IllegalArgumentException if {@code scores.length != numItems()}
     * @throws IndexOutOfBoundsException if the user index is out of range
     */
    void scoreAll(int user, float[] scores);

    /**
     * Writes the scores of {@code items} for {@code user} into {@code scores} (same order). The
     * default scores the whole catalogue; implementations that can score single items should
     * override it.
     */
    default void scoreItems(int user, int[] items, float[] scores) {
        float[] all = new float[numItems()];
        scoreAll(user, all);
        for (int k = 0; k < items.length; k++) {
            scores[k] = all[items[k]];
        }
    }
}
