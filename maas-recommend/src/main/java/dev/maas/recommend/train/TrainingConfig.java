package dev.maas.recommend.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Hyperparameters of one training run. Build with {@link #builder(ModelType)}, which starts from
 * defaults chosen for real rating data of 100 thousand to a few million interactions (MovieLens
 * 100K to 1M and data of that shape); see {@link Builder} for each default and its reason.
 *
 * <p>Immutable and thread-safe.
 *
 * @param type the model
 * @param factors the embedding size (vector length of users and items)
 * @param hiddenUnits hidden layer width of each tower ({@link ModelType#TWO_TOWER} only)
 * @param epochs the most passes over the training data
 * @param batchSize ratings (explicit) or positive interactions (implicit) per optimiser step
 * @param learningRate Adam's step size
 * @param l2 L2 penalty on the user and item embeddings of each example
 * @param biasL2 L2 penalty on the biases of each example
 * @param negatives for {@link ModelType#BPR_MF}, negatives sampled per positive; for {@link
 *     ModelType#TWO_TOWER}, negatives sampled per batch and shared by all its positives
 * @param patience epochs without validation improvement before training stops
 * @param validationFraction share of the training rows held out for early stopping; 0 to train all
 *     epochs without validation
 * @param seed seed of initialisation, shuffling, negative sampling and the validation split
 * @param threads PyTorch intra-op threads used for training, 1 to {@value #MAX_THREADS} (see {@link
 *     Builder} for why the default is 1)
 * @param alpha confidence weight of an interaction for {@link ModelType#IALS}: an observed pair
 *     counts {@code 1 + alpha} times as much as an unobserved one
 * @param retrainOnAll whether, after early stopping has chosen the number of epochs on the
 *     validation share, the model is trained again on all training rows for that many epochs
 */
public record TrainingConfig(
        ModelType type,
        int factors,
        int hiddenUnits,
        int epochs,
        int batchSize,
        float learningRate,
        float l2,
        float biasL2,
        int negatives,
        int patience,
        double validationFraction,
        long seed,
        int threads,
        float alpha,
        boolean retrainOnAll) {

    /**
     * The most training threads a configuration accepts. PyTorch creates one operating system
     * thread per intra-op thread; beyond a few hundred they only add start-up time and contention,
     * and 256 covers the largest common servers. Values above it are taken for mistakes (such as
     * {@code 100000} for {@code 1}) rather than clamped silently.
     */
    public static final int MAX_THREADS = 256;

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    public TrainingConfig {
        Objects.requireNonNull(type, "type");
        positive("factors", factors);
        positive("hiddenUnits", hiddenUnits);
        positive("epochs", epochs);
        positive("batchSize", batchSize);
        positive("negatives", negatives);
        positive("patience", patience);
        checkThreads(threads);
        checkLearningRate(learningRate);
        checkPenalty("l2", l2);
        checkPenalty("biasL2", biasL2);
        checkValidationFraction(validationFraction);
        checkPenalty("alpha", alpha);
    }

    /**
     * Creates a configuration without the options added later ({@code alpha} 0, no retraining on
     * all rows).
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    public TrainingConfig(
            ModelType type,
            int factors,
            int hiddenUnits,
            int epochs,
            int batchSize,
            float learningRate,
            float l2,
            float biasL2,
            int negatives,
            int patience,
            double validationFraction,
            long seed,
            int threads) {
        this(
                type,
                factors,
                hiddenUnits,
                epochs,
                batchSize,
                learningRate,
                l2,
                biasL2,
                negatives,
                patience,
                validationFraction,
                seed,
                threads,
                0f,
                false);
    }

    /** Returns whether the model is trained in Java by its own solver rather than by PyTorch. */
    boolean solvedInJava() {
        return type == ModelType.EASE || type == ModelType.IALS || type == ModelType.SVDPP;
    }

    private static int positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, was " + value);
        }
        return value;
    }

    private static int checkThreads(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException(
                    "threads must be between 1 and " + MAX_THREADS + ", was " + threads);
        }
        return threads;
    }

    private static float checkLearningRate(float learningRate) {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException(
                    "learningRate must be positive and finite, was " + learningRate);
        }
        return learningRate;
    }

    private static float checkPenalty(String name, float value) {
        if (!(value >= 0) || !Float.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be >= 0 and finite, was " + value);
        }
        return value;
    }

    private static double checkValidationFraction(double validationFraction) {
        if (!(validationFraction >= 0 && validationFraction < 0.5)) {
            throw new IllegalArgumentException(
                    "validationFraction must be in [0, 0.5), was " + validationFraction);
        }
        return validationFraction;
    }

    /** Returns a builder holding the defaults for {@code type}. */
    public static Builder builder(ModelType type) {
        return new Builder(type);
    }

    /** Returns the defaults for {@code type}. */
    public static TrainingConfig defaults(ModelType type) {
        return builder(type).build();
    }

    /** Returns a builder initialised with these values. */
    public Builder toBuilder() {
        Builder b = new Builder(type);
        b.factors = factors;
        b.hiddenUnits = hiddenUnits;
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.learningRate = learningRate;
        b.l2 = l2;
        b.biasL2 = biasL2;
        b.negatives = negatives;
        b.patience = patience;
        b.validationFraction = validationFraction;
        b.seed = seed;
        b.threads = threads;
        b.alpha = alpha;
        b.retrainOnAll = retrainOnAll;
        return b;
    }

    /** Returns the values as strings, for a model's properties or a model card. */
    public Map<String, String> asProperties() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("type", type.name());
        if (type == ModelType.EASE) {
            m.put("l2", fmt(l2));
            m.put("seed", Long.toString(seed));
            return m;
        }
        m.put("factors", Integer.toString(factors));
        if (type == ModelType.IALS) {
            m.put("epochs", Integer.toString(epochs));
            m.put("l2", fmt(l2));
            m.put("alpha", fmt(alpha));
            m.put("patience", Integer.toString(patience));
            m.put("validationFraction", fmt(validationFraction));
            m.put("retrainOnAll", Boolean.toString(retrainOnAll));
            m.put("seed", Long.toString(seed));
            return m;
        }
        if (type == ModelType.TWO_TOWER) {
            m.put("hiddenUnits", Integer.toString(hiddenUnits));
        }
        m.put("epochs", Integer.toString(epochs));
        m.put("batchSize", Integer.toString(batchSize));
        m.put("learningRate", fmt(learningRate));
        m.put("l2", fmt(l2));
        m.put("biasL2", fmt(biasL2));
        if (!type.predictsRatings()) {
            m.put("negatives", Integer.toString(negatives));
        }
        m.put("patience", Integer.toString(patience));
        m.put("validationFraction", fmt(validationFraction));
        m.put("seed", Long.toString(seed));
        if (!solvedInJava()) {
            m.put("threads", Integer.toString(threads));
        }
        m.put("retrainOnAll", Boolean.toString(retrainOnAll));
        return m;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%s", (float) v);
    }

    /**
     * Configures a {@link TrainingConfig}; starts from the defaults of its model type. Every setter
     * checks its argument at once and throws {@link IllegalArgumentException} naming the value and
     * the accepted range. Not thread-safe.
     *
     * <p><b>Defaults and why.</b> All models train with Adam on shuffled mini-batches, hold out
     * {@code 5%} of the training rows, stop when the validation measure (RMSE for ratings, NDCG@10
     * over the full catalogue for the implicit models) has not improved for {@code patience = 3}
     * epochs, and keep the parameters of the best epoch; so the epoch count adapts to the data
     * instead of being tuned to one data set, and {@code epochs = 60} is only a ceiling. The seed
     * is 42.
     *
     * <p><b>One thread.</b> Training uses one PyTorch intra-op thread by default, whatever the
     * number of processors. The models' operators are small (a batch of embedding rows), so a
     * second intra-op thread has little to split, and every operator then waits at a barrier for
     * it; on a shared two-core machine, where the other core is often busy, two threads made biased
     * MF several times slower, and only about 1.4 times faster when the machine was quiet. The
     * trainer uses a second thread of its own to prepare batches ahead of the optimiser instead.
     * Raise {@link #threads} for large factor counts on a dedicated machine, and measure ({@code
     * TrainingBenchmark} in {@code maas-benchmarks} compares one thread with two).
     *
     * <ul>
     *   <li>{@link ModelType#BIASED_MF}: 64 factors, L2 0.1 on each example's two vectors and 0.001
     *       on its biases, learning rate 0.005, batches of 2048 ratings. The L2 penalty is per
     *       example, the classic formulation of Funk and Koren, so active users and popular items
     *       are regularised in proportion to their data; values from 0.05 to 0.1 are the usual
     *       range for MovieLens-sized data, and 0.1 lets 64 factors generalise (weaker penalties
     *       overfit within a few epochs, stronger ones fall back towards the biases). Biases rest
     *       on many ratings each and need little shrinkage. The step and batch size trade a little
     *       accuracy for speed: batches of 1024 with a step of 0.002 lowered the error by about
     *       0.3% on the sample, at four times the training time.
     *   <li>{@link ModelType#BPR_MF}: 64 factors, L2 0.01 (the customary BPR value: ranking losses
     *       saturate, so they need far less shrinkage than squared error), learning rate 0.005, 4
     *       negatives per positive (each pass teaches more than with 1), batches of 1024 positives.
     *   <li>{@link ModelType#TWO_TOWER}: 64-dimensional embeddings and output, 128 hidden units per
     *       tower, L2 0.0005 on the embedding rows (the hidden layers already limit the capacity),
     *       learning rate 0.005, batches of 1024 positives that share 512 sampled negatives in a
     *       softmax.
     * </ul>
     *
     * A few values inside the ranges published for MovieLens 100K and 1M were compared on the
     * sample catalogue (built to resemble MovieLens 100K); the defaults are those that did well
     * there, not the result of a fine search on the sample.
     *
     * <p><b>Models solved in Java</b> (no PyTorch, no mini-batches; {@code batchSize}, {@code
     * learningRate} of EASE and iALS and {@code threads} are unused). Their defaults come from a
     * sweep on the sample catalogue (random 20% test split, seed 42; NDCG@10 over the full
     * catalogue, RMSE on the test rows; the figures are those of that sweep):
     *
     * <ul>
     *   <li>{@link ModelType#EASE}: {@code l2} (Steck's λ) 500. λ = 100, 250, 500, 1000 gave
     *       NDCG@10 0.333, 0.357, 0.364, 0.360 (400: 0.362); Steck reports values of a few hundred
     *       for MovieLens-sized data. Trains in about 3 s on the sample (1682 items).
     *   <li>{@link ModelType#IALS}: 64 factors, {@code l2} 50, {@code alpha} 5, up to 40 epochs
     *       with early stopping, {@value IalsSolver#CG_STEPS} conjugate-gradient steps per solve.
     *       Among (λ, α) = (1, 1) 0.270, (10, 1) 0.327, (10, 10) 0.249, (50, 3) 0.361, (30, 3)
     *       0.367, (100, 10) 0.354 and (50, 5) 0.377, the last was best; penalties much stronger
     *       than the confidence (λ = 100 with α = 3, λ = 200 with α = 10) shrink every vector to
     *       zero in the first epochs (NDCG@10 0.20). Weak penalties with large confidence overfit
     *       in 3 epochs.
     *   <li>{@link ModelType#SVDPP}: 32 factors, learning rate 0.005, {@code l2} 0.05, {@code
     *       biasL2} 0.005, up to 60 epochs with early stopping. RMSE 0.831 (biased MF with its
     *       defaults: 0.909); {@code l2} 0.02 gave 0.838 and 0.1 gave 0.835, learning rate 0.01
     *       0.832 in half the epochs.
     *   <li>{@link #retrainOnAll} is on for iALS and SVD++: after early stopping, training again on
     *       all training rows for the chosen number of epochs raised iALS's NDCG@10 from 0.3607 to
     *       0.3660 and lowered SVD++'s RMSE from 0.8314 to 0.8236 (λ 50, α 3 for iALS in that
     *       comparison), at about twice the training time. It is off for the PyTorch models, where
     *       it was not measured.
     * </ul>
     */
    public static final class Builder {
        // Defaults of the Java-solved models; see the class comment for the sweep behind them.
        static final float EASE_L2 = 500f;
        static final int IALS_FACTORS = 64;
        static final float IALS_L2 = 50f;
        static final float IALS_ALPHA = 5f;
        static final int IALS_EPOCHS = 40;
        static final int SVDPP_FACTORS = 32;
        static final float SVDPP_LEARNING_RATE = 0.005f;
        static final float SVDPP_L2 = 0.05f;
        static final float SVDPP_BIAS_L2 = 0.005f;

        private final ModelType type;
        private int factors = 64;
        private int hiddenUnits = 128;
        private int epochs = 60;
        private int batchSize;
        private float learningRate;
        private float l2;
        private float biasL2;
        private int negatives = 4;
        private int patience = 3;
        private double validationFraction = 0.05;
        private long seed = 42;
        private int threads = 1;
        private float alpha;
        private boolean retrainOnAll;

        private Builder(ModelType type) {
            this.type = Objects.requireNonNull(type, "type");
            switch (type) {
                case BIASED_MF -> {
                    batchSize = 2048;
                    learningRate = 0.005f;
                    l2 = 0.1f;
                    biasL2 = 0.001f;
                }
                case BPR_MF -> {
                    batchSize = 1024;
                    learningRate = 0.005f;
                    l2 = 0.01f;
                    biasL2 = 0.0005f;
                }
                case TWO_TOWER -> {
                    batchSize = 1024;
                    learningRate = 0.005f;
                    l2 = 0.0005f;
                    biasL2 = 0f;
                    negatives = 512;
                }
                case EASE -> {
                    batchSize = 1;
                    learningRate = 1f;
                    l2 = EASE_L2;
                    biasL2 = 0f;
                }
                case IALS -> {
                    batchSize = 1;
                    learningRate = 1f;
                    factors = IALS_FACTORS;
                    l2 = IALS_L2;
                    alpha = IALS_ALPHA;
                    biasL2 = 0f;
                    epochs = IALS_EPOCHS;
                    retrainOnAll = true;
                }
                case SVDPP -> {
                    batchSize = 1;
                    factors = SVDPP_FACTORS;
                    learningRate = SVDPP_LEARNING_RATE;
                    l2 = SVDPP_L2;
                    biasL2 = SVDPP_BIAS_L2;
                    retrainOnAll = true;
                }
            }
        }

        /** Sets the embedding size. */
        public Builder factors(int factors) {
            this.factors = positive("factors", factors);
            return this;
        }

        /** Sets the hidden layer width of each tower (two-tower only). */
        public Builder hiddenUnits(int hiddenUnits) {
            this.hiddenUnits = positive("hiddenUnits", hiddenUnits);
            return this;
        }

        /** Sets the most epochs. */
        public Builder epochs(int epochs) {
            this.epochs = positive("epochs", epochs);
            return this;
        }

        /** Sets the examples per optimiser step. */
        public Builder batchSize(int batchSize) {
            this.batchSize = positive("batchSize", batchSize);
            return this;
        }

        /** Sets Adam's learning rate. */
        public Builder learningRate(float learningRate) {
            this.learningRate = checkLearningRate(learningRate);
            return this;
        }

        /** Sets the L2 penalty on embeddings. */
        public Builder l2(float l2) {
            this.l2 = checkPenalty("l2", l2);
            return this;
        }

        /** Sets the L2 penalty on biases. */
        public Builder biasL2(float biasL2) {
            this.biasL2 = checkPenalty("biasL2", biasL2);
            return this;
        }

        /** Sets the sampled negatives: per positive (BPR) or per batch (two-tower). */
        public Builder negatives(int negatives) {
            this.negatives = positive("negatives", negatives);
            return this;
        }

        /** Sets the epochs without improvement before stopping. */
        public Builder patience(int patience) {
            this.patience = positive("patience", patience);
            return this;
        }

        /** Sets the share of training rows held out for early stopping (0: none). */
        public Builder validationFraction(double validationFraction) {
            this.validationFraction = checkValidationFraction(validationFraction);
            return this;
        }

        /** Sets the seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets the PyTorch intra-op thread count used for training (default 1, see above).
         *
         * @throws IllegalArgumentException if {@code threads} is not between 1 and {@value
         *     TrainingConfig#MAX_THREADS}
         */
        public Builder threads(int threads) {
            this.threads = checkThreads(threads);
            return this;
        }

        /**
         * Sets the confidence weight of an observed interaction ({@link ModelType#IALS}).
         *
         * @throws IllegalArgumentException if {@code alpha} is negative or not finite
         */
        public Builder alpha(float alpha) {
            this.alpha = checkPenalty("alpha", alpha);
            return this;
        }

        /**
         * Sets whether the model is trained again on all training rows for the number of epochs
         * early stopping chose on the validation share.
         */
        public Builder retrainOnAll(boolean retrainOnAll) {
            this.retrainOnAll = retrainOnAll;
            return this;
        }

        /**
         * Returns the configuration.
         *
         * @throws IllegalArgumentException if a value is out of range
         */
        public TrainingConfig build() {
            return new TrainingConfig(
                    type,
                    factors,
                    hiddenUnits,
                    epochs,
                    batchSize,
                    learningRate,
                    l2,
                    biasL2,
                    negatives,
                    patience,
                    validationFraction,
                    seed,
                    threads,
                    alpha,
                    retrainOnAll);
        }
    }
}
