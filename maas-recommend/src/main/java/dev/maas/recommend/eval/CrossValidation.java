package dev.maas.recommend.eval;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * K-fold cross-validation repeated over seeds, with a paired significance test against the
 * baselines. For each seed {@code s} in {@code 0..seeds-1} the rows are divided at random into
 * {@code folds} folds ({@link Splits#kFold} with seed {@code seed + s}); for each fold every model
 * is trained on the other folds (with training seed {@code seed + s}) and evaluated on it, together
 * with the baselines ("global mean", "mean + biases", "popularity"). Each of the {@code folds x
 * seeds} runs gives one value per measure; the report shows their mean and sample standard
 * deviation.
 *
 * <p><b>Paired test.</b> Every user's NDCG@K (and, for rating models, mean squared error) is
 * averaged over all runs in which the user was evaluated, for the model and for the reference
 * baseline ("popularity" for ranking, "mean + biases" for ratings), and the per-user differences go
 * into a paired t-test ({@link PairedTest}): one pair per user, so users, not folds, are the
 * independent units, and repeated seeds make each user's figure less noisy rather than inflating
 * the number of pairs.
 *
 * <p>Immutable and thread-safe; {@link #run} trains the models one after another.
 */
public final class CrossValidation {
    /** The name of the baseline NDCG is compared with. */
    public static final String RANKING_REFERENCE = "popularity";

    /** The name of the baseline rating error is compared with. */
    public static final String RATING_REFERENCE = "mean + biases";

    /** Trains a model on a training fold. */
    @FunctionalInterface
    public interface Trainer {
        /** Returns the model trained on {@code train} with {@code seed}, as a candidate. */
        Candidate fit(Interactions train, long seed);
    }

    /**
     * A named model to cross-validate.
     *
     * @param name the row label
     * @param trainer trains it on each fold
     */
    public record Model(String name, Trainer trainer) {
        /** Checks the parts. */
        public Model {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(trainer, "trainer");
        }
    }

    /** Called after each model is evaluated on a fold, for progress output. */
    @FunctionalInterface
    public interface Progress {
        /** Called with the seed index, the fold index and the model just evaluated. */
        void evaluated(int seedIndex, int fold, String model);
    }

    private final int folds;
    private final int seeds;
    private final long seed;
    private final Evaluator evaluator;

    /**
     * Creates a cross-validation.
     *
     * @param folds the number of folds, at least 2
     * @param seeds the number of repetitions with different fold assignments and training seeds, at
     *     least 1
     * @param seed the first seed
     * @param evaluator the evaluator (list length, protocol)
     * @throws IllegalArgumentException if {@code folds < 2} or {@code seeds < 1}
     */
    public CrossValidation(int folds, int seeds, long seed, Evaluator evaluator) {
        if (folds < 2) {
            throw new IllegalArgumentException("folds must be >= 2, was " + folds);
        }
        if (seeds < 1) {
            throw new IllegalArgumentException("seeds must be >= 1, was " + seeds);
        }
        this.folds = folds;
        this.seeds = seeds;
        this.seed = seed;
        this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
    }

    /**
     * Cross-validates {@code models} and the baselines on {@code data}.
     *
     * @throws IllegalArgumentException if {@code folds} exceeds the number of users (a fold would
     *     then leave users without test rows), or the data is too small to split
     */
    public CrossValidationReport run(Interactions data, List<Model> models, Progress progress) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(progress, "progress");
        int users = data.activeUsers();
        if (folds > users) {
            throw new IllegalArgumentException(
                    "folds ("
                            + folds
                            + ") must not exceed the number of users with interactions ("
                            + users
                            + "): choose at most "
                            + users
                            + " folds");
        }
        String description =
                String.format(
                        Locale.ROOT,
                        "%d-fold cross-validation x %d seed%s (seeds %d..%d), %d runs per model;"
                                + " %s, K=%d; %s",
                        folds,
                        seeds,
                        seeds == 1 ? "" : "s",
                        seed,
                        seed + seeds - 1,
                        folds * seeds,
                        evaluator.protocol(),
                        evaluator.k(),
                        data.describe());
        return execute(s -> Splits.kFold(data, folds, seed + s), models, progress, description);
    }

    /**
     * Cross-validates on predefined splits (such as MovieLens 100K's {@code u1..u5}): every seed
     * trains on the same splits with training seed {@code seed + s}. Splits need not share an index
     * space: users are paired by id.
     *
     * @throws IllegalArgumentException if {@code splits} is empty
     */
    public CrossValidationReport runOnSplits(
            List<Split> splits, String source, List<Model> models, Progress progress) {
        Objects.requireNonNull(splits, "splits");
        if (splits.isEmpty()) {
            throw new IllegalArgumentException("no splits to cross-validate on");
        }
        List<Split> fixed = List.copyOf(splits);
        String description =
                String.format(
                        Locale.ROOT,
                        "%d predefined splits x %d seed%s (training seeds %d..%d), %d runs per"
                                + " model; %s, K=%d; %s",
                        fixed.size(),
                        seeds,
                        seeds == 1 ? "" : "s",
                        seed,
                        seed + seeds - 1,
                        fixed.size() * seeds,
                        evaluator.protocol(),
                        evaluator.k(),
                        source);
        return execute(s -> fixed, models, progress, description);
    }

    private CrossValidationReport execute(
            java.util.function.IntFunction<List<Split>> splitsOfSeed,
            List<Model> models,
            Progress progress,
            String description) {
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(progress, "progress");
        List<Model> all = new ArrayList<>();
        all.add(new Model("global mean", (t, s) -> globalMean(t)));
        all.add(
                new Model(
                        RATING_REFERENCE,
                        (t, s) -> Candidate.both(RATING_REFERENCE, BiasBaseline.fit(t))));
        all.add(
                new Model(
                        RANKING_REFERENCE,
                        (t, s) -> Candidate.ranking(RANKING_REFERENCE, PopularityBaseline.fit(t))));
        all.addAll(models);
        Map<String, Acc> acc = new LinkedHashMap<>();
        for (Model m : all) {
            if (acc.put(m.name(), new Acc()) != null) {
                throw new IllegalArgumentException("two models are named '" + m.name() + "'");
            }
        }
        for (int s = 0; s < seeds; s++) {
            List<Split> splits = splitsOfSeed.apply(s);
            for (int f = 0; f < splits.size(); f++) {
                Split split = splits.get(f);
                for (Model m : all) {
                    Candidate c = m.trainer().fit(split.train(), seed + s);
                    Acc a = acc.get(m.name());
                    if (c.ratings() != null) {
                        RatingMetrics r = evaluator.evaluateRatings(c.ratings(), split.test());
                        a.rmse.add(r.rmse());
                        a.mae.add(r.mae());
                        Evaluator.PerUserErrors e =
                                evaluator.squaredErrorsPerUser(c.ratings(), split.test());
                        for (int j = 0; j < e.users().length; j++) {
                            a.mse.add(
                                    split.test().users().id(e.users()[j]), e.meanSquaredError()[j]);
                        }
                    }
                    if (c.ranking() != null) {
                        Evaluator.PerUserRanking r =
                                evaluator.evaluateRankingPerUser(
                                        c.ranking(), split.train(), split.test());
                        a.ndcg.add(r.metrics().ndcg());
                        a.map.add(r.metrics().map());
                        a.hr.add(r.metrics().hitRate());
                        a.coverage.add(r.metrics().coverage());
                        for (int j = 0; j < r.users().length; j++) {
                            a.userNdcg.add(split.train().users().id(r.users()[j]), r.ndcg()[j]);
                        }
                    }
                    progress.evaluated(s, f, m.name());
                }
            }
        }
        List<CrossValidationReport.Row> rows = new ArrayList<>();
        Acc rankRef = acc.get(RANKING_REFERENCE);
        Acc rateRef = acc.get(RATING_REFERENCE);
        for (Model m : all) {
            Acc a = acc.get(m.name());
            PairedTest ndcgTest =
                    a == rankRef || a.ndcg.isEmpty()
                            ? null
                            : a.userNdcg.pairedWith(rankRef.userNdcg);
            PairedTest mseTest =
                    a == rateRef || a.rmse.isEmpty() ? null : a.mse.pairedWith(rateRef.mse);
            rows.add(
                    new CrossValidationReport.Row(
                            m.name(),
                            Stat.of(a.rmse),
                            Stat.of(a.mae),
                            Stat.of(a.ndcg),
                            Stat.of(a.map),
                            Stat.of(a.hr),
                            Stat.of(a.coverage),
                            ndcgTest,
                            mseTest));
        }
        return new CrossValidationReport(description, evaluator.k(), rows);
    }

    private static Candidate globalMean(Interactions train) {
        float mean = (float) train.meanValue();
        return Candidate.ratings("global mean", (u, i) -> mean);
    }

    /**
     * Mean and sample standard deviation of one measure over the runs.
     *
     * @param mean the mean ({@code NaN} when the model has no such measure)
     * @param std the sample standard deviation ({@code 0} for a single run)
     * @param runs the number of runs
     */
    public record Stat(double mean, double std, int runs) {
        static Stat of(List<Double> values) {
            int n = values.size();
            if (n == 0) {
                return new Stat(Double.NaN, Double.NaN, 0);
            }
            double mean = values.stream().mapToDouble(Double::doubleValue).sum() / n;
            double ss = 0;
            for (double v : values) {
                ss += (v - mean) * (v - mean);
            }
            return new Stat(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n);
        }

        /** Returns whether the model has this measure. */
        public boolean present() {
            return runs > 0;
        }
    }

    /** Each user's running mean of one measure, by user id. */
    private static final class PerUser {
        private final Map<String, double[]> sums = new java.util.TreeMap<>();

        void add(String user, double value) {
            double[] sc = sums.computeIfAbsent(user, u -> new double[2]);
            sc[0] += value;
            sc[1]++;
        }

        /** The paired test of this model's per-user means against {@code other}'s. */
        PairedTest pairedWith(PerUser other) {
            List<Double> a = new ArrayList<>();
            List<Double> b = new ArrayList<>();
            for (Map.Entry<String, double[]> e : sums.entrySet()) {
                double[] o = other.sums.get(e.getKey());
                if (o != null) {
                    a.add(e.getValue()[0] / e.getValue()[1]);
                    b.add(o[0] / o[1]);
                }
            }
            if (a.size() < 2) {
                return null;
            }
            return PairedTest.of(
                    a.stream().mapToDouble(Double::doubleValue).toArray(),
                    b.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    private static final class Acc {
        final List<Double> rmse = new ArrayList<>();
        final List<Double> mae = new ArrayList<>();
        final List<Double> ndcg = new ArrayList<>();
        final List<Double> map = new ArrayList<>();
        final List<Double> hr = new ArrayList<>();
        final List<Double> coverage = new ArrayList<>();
        final PerUser userNdcg = new PerUser();
        final PerUser mse = new PerUser();
    }
}
