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
    TWO_TOWER(false),
    /**
     * EASE, the closed-form item-item model of Steck (2019): a weight matrix {@code B} with a zero
     * diagonal minimising {@code |X - XB|² + λ|B|²} over the binary user-item matrix {@code X},
     * which has the solution {@code B = I - P diag(1/diag(P))} with {@code P = (XᵀX + λI)⁻¹}. The
     * score of item {@code i} for user {@code u} is {@code x_u . B[:, i]}. Trained in one matrix
     * inverse, on implicit feedback; no epochs. Served as a factor model whose user vectors are the
     * users' interaction rows and whose item vectors are the columns of {@code B}, so memory grows
     * with the square of the catalogue: training refuses catalogues of more than {@value
     * #EASE_MAX_ITEMS} items.
     */
    EASE(false),
    /**
     * Implicit alternating least squares (Hu, Koren and Volinsky 2008): every interaction is a
     * preference of 1 with confidence {@code 1 + alpha}, every other user-item pair a preference of
     * 0 with confidence 1, and user and item vectors are solved in turn by weighted regularised
     * least squares, each solve by a few conjugate-gradient steps from the previous vector (Takács,
     * Pilászy and Tikk 2011). Score: {@code p_u . q_i}.
     */
    IALS(false),
    /**
     * SVD++ (Koren 2008) for explicit ratings: {@code r(u,i) = mu + b_u + b_i + q_i . (p_u +
     * |N(u)|^-1/2 sum_{j in N(u)} y_j)}, where {@code N(u)} is the set of items the user rated, so
     * what a user chose to rate informs their vector as well as how they rated it. Trained by
     * stochastic gradient descent on squared error. Served as a biased factor model whose user
     * vector is the whole bracket. Predicts ratings; also ranks.
     */
    SVDPP(true);

    /**
     * The largest catalogue {@link #EASE} trains on: its item-item matrix has this many squared.
     */
    public static final int EASE_MAX_ITEMS = 10_000;

    private final boolean explicit;

    ModelType(boolean explicit) {
        this.explicit = explicit;
    }

    /** Returns whether the model predicts explicit ratings (as opposed to ranking scores). */
    public boolean predictsRatings() {
        return explicit;
    }
}
