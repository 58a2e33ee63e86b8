package dev.maas.recommend.train;

/** The recommendation models {@link RecommenderTrainer} can train. */
public enum ModelType {
    /**
     * Biased matrix factorisation for explicit ratings: {@code r(u,i) = mu + b_u + b_i + p_u .
     * q_i}, trained on squared error with L2 regularisation. Predicts ratings; also ranks.
     */
    BIASED_MF(true),
    /**
     * Matrix factorisation trained with Bayesian personalised ranking on implicit feedback: every
     * interaction is a positive, sampled unseen items are negatives, and the model learns to score
     * positives above negatives. Score: {@code b_i + p_u . q_i}.
     */
    BPR_MF(false),
    /**
     * A two-tower network: the user tower maps a user embedding, and the item tower maps an item
     * embedding together with the item's genres, through a hidden layer each into one shared space;
     * the score is the dot product, so the precomputed tower outputs serve from a dot-product top-K
     * index and items with few interactions still get a genre-informed vector. Trained like BPR on
     * implicit feedback.
     */
    TWO_TOWER(false);

    private final boolean explicit;

    ModelType(boolean explicit) {
        this.explicit = explicit;
    }

    /** Returns whether the model predicts explicit ratings (as opposed to ranking scores). */
    public boolean predictsRatings() {
        return explicit;
    }
}
