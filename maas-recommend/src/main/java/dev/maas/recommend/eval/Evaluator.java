package dev.maas.recommend.eval;

import dev.maas.recommend.data.Interactions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Measures rating accuracy and top-K ranking quality of models on a train/test split, and compares
 * them with baselines in one {@link EvaluationReport}.
 *
 * <p><b>Rating accuracy</b> ({@link #evaluateRatings}): RMSE and MAE over every test row.
 *
 * <p><b>Ranking</b> ({@link #evaluateRanking}): for each user with at least one relevant test item,
 * a relevant item being a test row whose item the user did not already have in the training set
 * (and whose value reaches the {@linkplain Builder#relevanceThreshold relevance threshold}, if one
 * is set):
 *
 * <ul>
 *   <li>full ranking: every item except the user's training items is scored, and the top K is
 *       compared with all the user's relevant items;
 *   <li>sampled: each relevant item is ranked among {@code negatives} items drawn (seeded)
 *       uniformly from those the user has in neither set; the measures are computed per held-out
 *       item and averaged per user.
 * </ul>
 *
 * Users are then averaged with equal weight. Ties in score are broken towards the lower item index,
 * so results are reproducible. Definitions of the measures are in {@link Metrics}.
 *
 * <p>Users are evaluated in parallel on the common fork-join pool (turn this off with {@link
 * Builder#parallel}); results do not depend on the number of threads, because each user's figures
 * are computed independently and summed in user order. Models must therefore be thread-safe. An
 * {@code Evaluator} is immutable and thread-safe.
 */
public final class Evaluator {
    private final int k;
    private final RankingProtocol protocol;
    private final float relevanceThreshold;
    private final int maxUsers;
    private final long userSampleSeed;
    private final boolean parallel;

    private Evaluator(Builder b) {
        this.k = b.k;
        this.protocol = b.protocol;
        this.relevanceThreshold = b.relevanceThreshold;
        this.maxUsers = b.maxUsers;
        this.userSampleSeed = b.userSampleSeed;
        this.parallel = b.parallel;
    }

    /** Returns a builder: K = 10, full ranking, every test row relevant, all users, parallel. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the list length K. */
    public int k() {
        return k;
    }

    /** Returns the ranking protocol. */
    public RankingProtocol protocol() {
        return protocol;
    }

    /**
     * Returns RMSE and MAE of {@code model} over every row of {@code test}.
     *
     * @throws IllegalArgumentException if the test set is empty
     */
    public RatingMetrics evaluateRatings(RatingPredictor model, Interactions test) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(test, "test");
        if (test.size() == 0) {
            throw new IllegalArgumentException("the test set is empty");
        }
        float[] actual = new float[test.size()];
        float[] predicted = new float[test.size()];
        IntStream rows = IntStream.range(0, test.size());
        (parallel ? rows.parallel() : rows)
                .forEach(
                        r -> {
                            actual[r] = test.value(r);
                            predicted[r] = model.predictRating(test.user(r), test.item(r));
                        });
        return new RatingMetrics(
                test.size(), Metrics.rmse(actual, predicted), Metrics.mae(actual, predicted));
    }

    /**
     * Returns the ranking measures of {@code model}, trained on {@code train}, against {@code
     * test}.
     *
     * @throws IllegalArgumentException if the sets do not share an index space, the model scores a
     *     different number of items, or no user has a relevant test item
     */
    public RankingMetrics evaluateRanking(ItemScorer model, Interactions train, Interactions test) {
        return evaluateRankingPerUser(model, train, test).metrics();
    }

    /**
     * Returns the ranking measures of {@code model} as {@link #evaluateRanking} does, together with
     * each evaluated user's own values, for paired comparisons of two models on the same users.
     *
     * @throws IllegalArgumentException as {@link #evaluateRanking} does
     */
    public PerUserRanking evaluateRankingPerUser(
            ItemScorer model, Interactions train, Interactions test) {
        Objects.requireNonNull(model, "model");
        checkSplit(train, test);
        if (model.numItems() != train.numItems()) {
            throw new IllegalArgumentException(
                    "the model scores "
                            + model.numItems()
                            + " items but the catalogue has "
                            + train.numItems());
        }
        int[][] relevant = relevantItems(train, test);
        int[] users = chooseUsers(relevant);
        if (users.length == 0) {
            throw new IllegalArgumentException(
                    "no user has a relevant test item (test rows of items already in training,"
                            + " or below the relevance threshold, do not count)");
        }
        double[][] perUser = new double[users.length][];
        int[][] lists = new int[users.length][];
        int numItems = train.numItems();
        ThreadLocal<float[]> scoreBuffer = ThreadLocal.withInitial(() -> new float[numItems]);
        ThreadLocal<boolean[]> maskBuffer = ThreadLocal.withInitial(() -> new boolean[numItems]);
        IntStream indices = IntStream.range(0, users.length);
        (parallel ? indices.parallel() : indices)
                .forEach(
                        n -> {
                            int u = users[n];
                            if (protocol.isFullRanking()) {
                                float[] scores = scoreBuffer.get();
                                boolean[] excluded = maskBuffer.get();
                                int[] seen = train.itemsOf(u);
                                model.scoreAll(u, scores);
                                for (int i : seen) {
                                    excluded[i] = true;
                                }
                                int[] top = Metrics.topK(scores, k, excluded);
                                for (int i : seen) {
                                    excluded[i] = false;
                                }
                                lists[n] = top;
                                perUser[n] = measures(top, relevant[u]);
                            } else {
                                sampled(
                                        model,
                                        train,
                                        test,
                                        u,
                                        relevant[u],
                                        maskBuffer.get(),
                                        n,
                                        perUser,
                                        lists);
                            }
                        });
        double[] sum = new double[5];
        for (double[] m : perUser) {
            for (int j = 0; j < 5; j++) {
                sum[j] += m[j];
            }
        }
        int n = users.length;
        RankingMetrics metrics =
                new RankingMetrics(
                        k,
                        protocol,
                        n,
                        sum[0] / n,
                        sum[1] / n,
                        sum[2] / n,
                        sum[3] / n,
                        sum[4] / n,
                        Metrics.coverage(Arrays.asList(lists), k, numItems));
        double[] ndcg = new double[n];
        double[] ap = new double[n];
        for (int j = 0; j < n; j++) {
            ndcg[j] = perUser[j][1];
            ap[j] = perUser[j][4];
        }
        return new PerUserRanking(metrics, users, ndcg, ap);
    }

    /**
     * Returns each user's mean squared error of {@code model} over their rows of {@code test}:
     * {@code users} are the user indices with at least one test row, in ascending order.
     *
     * @throws IllegalArgumentException if the test set is empty
     */
    public PerUserErrors squaredErrorsPerUser(RatingPredictor model, Interactions test) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(test, "test");
        if (test.size() == 0) {
            throw new IllegalArgumentException("the test set is empty");
        }
        double[] sum = new double[test.numUsers()];
        int[] count = new int[test.numUsers()];
        for (int r = 0; r < test.size(); r++) {
            double e = (double) test.value(r) - model.predictRating(test.user(r), test.item(r));
            sum[test.user(r)] += e * e;
            count[test.user(r)]++;
        }
        int[] users = IntStream.range(0, count.length).filter(u -> count[u] > 0).toArray();
        double[] mse = new double[users.length];
        for (int j = 0; j < users.length; j++) {
            mse[j] = sum[users[j]] / count[users[j]];
        }
        return new PerUserErrors(users, mse);
    }

    /**
     * Ranking measures with each user's NDCG@K and AP@K.
     *
     * @param metrics the averages, as {@link #evaluateRanking} returns them
     * @param users the evaluated user indices, ascending
     * @param ndcg NDCG@K of each user in {@code users}
     * @param averagePrecision AP@K of each user in {@code users}
     */
    public record PerUserRanking(
            RankingMetrics metrics, int[] users, double[] ndcg, double[] averagePrecision) {}

    /**
     * Each user's mean squared rating error.
     *
     * @param users the user indices with test rows, ascending
     * @param meanSquaredError the mean squared error over each user's test rows
     */
    public record PerUserErrors(int[] users, double[] meanSquaredError) {}

    /**
     * Evaluates every candidate, after the baselines fitted on {@code train}: "global mean" and
     * "mean + biases" ({@link BiasBaseline}) for rating accuracy, "popularity" ({@link
     * PopularityBaseline}) and "mean + biases" for ranking.
     *
     * @throws IllegalArgumentException as {@link #evaluateRanking} does
     */
    public EvaluationReport compare(
            Interactions train, Interactions test, List<Candidate> candidates) {
        checkSplit(train, test);
        List<Candidate> all = new ArrayList<>();
        float mean = (float) train.meanValue();
        all.add(Candidate.ratings("global mean", (u, i) -> mean));
        all.add(Candidate.both("mean + biases", BiasBaseline.fit(train)));
        all.add(Candidate.ranking("popularity", PopularityBaseline.fit(train)));
        all.addAll(candidates);
        List<EvaluationReport.Row> rows = new ArrayList<>();
        for (Candidate c : all) {
            rows.add(
                    new EvaluationReport.Row(
                            c.name(),
                            c.ratings() == null ? null : evaluateRatings(c.ratings(), test),
                            c.ranking() == null
                                    ? null
                                    : evaluateRanking(c.ranking(), train, test)));
        }
        String data =
                "train: "
                        + train.size()
                        + " rows, test: "
                        + test.size()
                        + " rows; "
                        + train.numUsers()
                        + " users, "
                        + train.numItems()
                        + " items";
        return new EvaluationReport(data, k, protocol, rows);
    }

    private void sampled(
            ItemScorer model,
            Interactions train,
            Interactions test,
            int u,
            int[] positives,
            boolean[] taken,
            int n,
            double[][] perUser,
            int[][] lists) {
        int numItems = train.numItems();
        int[] testItems = test.itemsOf(u);
        int available = numItems - train.distinctItemCount(u) - testItems.length;
        int negatives = Math.max(0, Math.min(protocol.negatives(), available));
        double[] sum = new double[5];
        int[] candidates = new int[negatives + 1];
        float[] scores = new float[negatives + 1];
        List<Integer> shown = new ArrayList<>();
        for (int p = 0; p < positives.length; p++) {
            int positive = positives[p];
            SplittableRandom random =
                    new SplittableRandom(protocol.seed() ^ (0x9E3779B97F4A7C15L * (u + 1)) ^ p);
            candidates[0] = positive;
            for (int c = 1; c <= negatives; ) {
                int item = random.nextInt(numItems);
                if (taken[item]
                        || train.contains(u, item)
                        || Arrays.binarySearch(testItems, item) >= 0) {
                    continue;
                }
                taken[item] = true;
                candidates[c++] = item;
            }
            for (int c = 1; c <= negatives; c++) {
                taken[candidates[c]] = false;
            }
            model.scoreItems(u, candidates, scores);
            // Rank the candidates, ties towards the lower item index.
            float[] byItem = new float[negatives + 1];
            Integer[] order = new Integer[negatives + 1];
            for (int c = 0; c <= negatives; c++) {
                order[c] = c;
                byItem[c] = scores[c];
            }
            Arrays.sort(
                    order,
                    (a, b) -> {
                        int cmp = Float.compare(byItem[b], byItem[a]);
                        return cmp != 0 ? cmp : Integer.compare(candidates[a], candidates[b]);
                    });
            int[] ranked = new int[Math.min(k, negatives + 1)];
            for (int c = 0; c < ranked.length; c++) {
                ranked[c] = candidates[order[c]];
                shown.add(ranked[c]);
            }
            double[] m = measures(ranked, new int[] {positive});
            for (int j = 0; j < 5; j++) {
                sum[j] += m[j];
            }
        }
        for (int j = 0; j < 5; j++) {
            sum[j] /= positives.length;
        }
        perUser[n] = sum;
        lists[n] = shown.stream().mapToInt(Integer::intValue).toArray();
    }

    private double[] measures(int[] ranked, int[] relevant) {
        return new double[] {
            Metrics.hitRate(ranked, k, relevant),
            Metrics.ndcg(ranked, k, relevant),
            Metrics.recall(ranked, k, relevant),
            Metrics.precision(ranked, k, relevant),
            Metrics.averagePrecision(ranked, k, relevant)
        };
    }

    /** Per user: the sorted distinct relevant test items not already in the training set. */
    private int[][] relevantItems(Interactions train, Interactions test) {
        int numUsers = train.numUsers();
        int[] counts = new int[numUsers];
        for (int r = 0; r < test.size(); r++) {
            if (isRelevant(test, r) && !train.contains(test.user(r), test.item(r))) {
                counts[test.user(r)]++;
            }
        }
        int[][] relevant = new int[numUsers][];
        for (int u = 0; u < numUsers; u++) {
            relevant[u] = new int[counts[u]];
        }
        int[] fill = new int[numUsers];
        for (int r = 0; r < test.size(); r++) {
            int u = test.user(r);
            if (isRelevant(test, r) && !train.contains(u, test.item(r))) {
                relevant[u][fill[u]++] = test.item(r);
            }
        }
        for (int u = 0; u < numUsers; u++) {
            relevant[u] = Arrays.stream(relevant[u]).sorted().distinct().toArray();
        }
        return relevant;
    }

    private boolean isRelevant(Interactions test, int row) {
        return Float.isNaN(relevanceThreshold) || test.value(row) >= relevanceThreshold;
    }

    private int[] chooseUsers(int[][] relevant) {
        int[] users =
                IntStream.range(0, relevant.length).filter(u -> relevant[u].length > 0).toArray();
        if (maxUsers > 0 && users.length > maxUsers) {
            SplittableRandom random = new SplittableRandom(userSampleSeed);
            for (int i = users.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = users[i];
                users[i] = users[j];
                users[j] = t;
            }
            users = Arrays.copyOf(users, maxUsers);
            Arrays.sort(users);
        }
        return users;
    }

    private static void checkSplit(Interactions train, Interactions test) {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (!train.sharesIndexWith(test)) {
            throw new IllegalArgumentException(
                    "train and test must share user and item id maps (make them with Splits)");
        }
    }

    /** Configures an {@link Evaluator}. Not thread-safe. */
    public static final class Builder {
        private int k = 10;
        private RankingProtocol protocol = RankingProtocol.fullRanking();
        private float relevanceThreshold = Float.NaN;
        private int maxUsers;
        private long userSampleSeed = 1;
        private boolean parallel = true;

        private Builder() {}

        /**
         * Sets the list length K; default 10.
         *
         * @throws IllegalArgumentException if {@code k < 1}
         */
        public Builder k(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("k must be >= 1, was " + k);
            }
            this.k = k;
            return this;
        }

        /** Sets the ranking protocol; default {@link RankingProtocol#fullRanking()}. */
        public Builder protocol(RankingProtocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * Counts only test rows with a value of at least {@code threshold} as relevant (for example
         * 4 on a 5-star scale); by default every test row is relevant.
         *
         * @throws IllegalArgumentException if the threshold is not finite
         */
        public Builder relevanceThreshold(float threshold) {
            if (!Float.isFinite(threshold)) {
                throw new IllegalArgumentException("threshold must be finite, was " + threshold);
            }
            this.relevanceThreshold = threshold;
            return this;
        }

        /**
         * Evaluates ranking on at most {@code maxUsers} users drawn with {@code seed} (faster, for
         * validation during training); by default every user.
         *
         * @throws IllegalArgumentException if {@code maxUsers < 1}
         */
        public Builder sampleUsers(int maxUsers, long seed) {
            if (maxUsers < 1) {
                throw new IllegalArgumentException("maxUsers must be >= 1, was " + maxUsers);
            }
            this.maxUsers = maxUsers;
            this.userSampleSeed = seed;
            return this;
        }

        /** Sets whether users are evaluated in parallel; default true. */
        public Builder parallel(boolean parallel) {
            this.parallel = parallel;
            return this;
        }

        /** Returns the evaluator. */
        public Evaluator build() {
            return new Evaluator(this);
        }
    }
}
