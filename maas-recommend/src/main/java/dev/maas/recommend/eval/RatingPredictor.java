package dev.maas.recommend.eval;

/**
 * Predicts the rating a user would give an item, on the scale of the training data. Implementations
 * used with {@link Evaluator} must be safe to call from several threads at once.
 */
@FunctionalInterface
public interface RatingPredictor {
    /**
     * Returns the predicted rating of {@code item} by {@code user} (dense indices).
     *
     * @throws IndexOutOfBoundsException if an index is out of range
     */
    float predictRating(int user, int item);
}
