package dev.maas.recommend.eval;

import java.util.Objects;

/**
 * A model entered into an {@link Evaluator#compare comparison}: a name and what it can do. A model
 * that predicts ratings is judged on RMSE and MAE; one that scores items, on the ranking measures;
 * one that does both, on both.
 *
 * @param name the row name in the report
 * @param ratings the rating predictor, or {@code null}
 * @param ranking the item scorer, or {@code null}
 */
public record Candidate(String name, RatingPredictor ratings, ItemScorer ranking) {

    /**
     * Checks the arguments.
     *
     * @throws IllegalArgumentException if the name is blank or both roles are null
     */
    public Candidate {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (ratings == null && ranking == null) {
            throw new IllegalArgumentException(
                    "candidate '" + name + "' needs a rating predictor, an item scorer or both");
        }
    }

    /** Returns a candidate judged on both rating accuracy and ranking. */
    public static <M extends RatingPredictor & ItemScorer> Candidate both(String name, M model) {
        return new Candidate(name, model, model);
    }

    /** Returns a candidate judged on ranking only. */
    public static Candidate ranking(String name, ItemScorer scorer) {
        return new Candidate(name, null, scorer);
    }

    /** Returns a candidate judged on rating accuracy only. */
    public static Candidate ratings(String name, RatingPredictor predictor) {
        return new Candidate(name, predictor, null);
    }
}
