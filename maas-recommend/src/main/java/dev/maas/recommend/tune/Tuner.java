package dev.maas.recommend.tune;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import dev.maas.recommend.train.TrainingListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Searches a model's hyperparameters within a time budget: random search with successive halving
 * (Jamieson and Talwalkar 2016) on a validation split.
 *
 * <p><b>Procedure.</b> A seeded random {@value #VALIDATION_SHARE} of the training rows is held out
 * for validation. The defaults are trained first, at their full number of epochs with early
 * stopping on the validation rows; they are candidate 0 and the incumbent. Then, while time
 * remains, brackets of {@value #BRACKET} random candidates are drawn from the model's search space
 * ({@link #describe}: log-uniform penalties, learning rates and confidences, factors from 16 to
 * 128) and trained for a ninth of the epochs; the best third goes on to a third of the epochs, and
 * the best of those to the full number, where it competes with the incumbent. EASE has no epochs,
 * so its candidates are compared directly (plain random search). The measure is NDCG@10 over the
 * full catalogue for ranking models and RMSE for rating models.
 *
 * <p><b>Budget.</b> The clock is checked before each training; a training that has started
 * finishes, so a search can overrun its budget by one training. The winner is the best candidate
 * trained with full epochs, and since the defaults are one of those, the tuned settings are never
 * worse than the defaults on the validation split, by construction.
 *
 * <p>Immutable; {@link #tune} may be called from several threads, each search running on its own.
 */
public final class Tuner {
    private static final Logger LOG = LoggerFactory.getLogger(Tuner.class);
    static final double VALIDATION_SHARE = 0.1;
    static final int BRACKET = 9;
    private static final int ETA = 3;

    private final TrainingConfig defaults;
    private final Duration budget;
    private final long seed;
    private final LongSupplier nanoTime;

    private Tuner(TrainingConfig defaults, Duration budget, long seed, LongSupplier nanoTime) {
        this.defaults = defaults;
        this.budget = budget;
        this.seed = seed;
        this.nanoTime = nanoTime;
    }

    /**
     * Returns a tuner that starts from {@code defaults} and searches for at most {@code budget}.
     *
     * @throws IllegalArgumentException if the budget is zero or negative
     */
    public static Tuner create(TrainingConfig defaults, Duration budget, long seed) {
        return create(defaults, budget, seed, System::nanoTime);
    }

    /**
     * As {@link #create(TrainingConfig, Duration, long)}, reading time from {@code nanoTime} (tests
     * pass a fake clock).
     *
     * @throws IllegalArgumentException if the budget is zero or negative
     */
    public static Tuner create(
            TrainingConfig defaults, Duration budget, long seed, LongSupplier nanoTime) {
        Objects.requireNonNull(defaults, "defaults");
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(nanoTime, "nanoTime");
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException(
                    "the tuning budget must be positive (such as 60s), was "
                            + budget.toMillis() / 1000.0
                            + "s: the defaults alone need one training");
        }
        return new Tuner(defaults, budget, seed, nanoTime);
    }

    /**
     * Searches on {@code train} and returns the trials and the winner.
     *
     * @throws IllegalArgumentException if the data is too small to hold out a validation split
     */
    public TuningResult tune(Interactions train, Listener listener) {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(listener, "listener");
        if (train.size() < 20) {
            throw new IllegalArgumentException(
                    "tuning needs at least 20 training rows to hold out a validation split, had "
                            + train.size());
        }
        long start = nanoTime.getAsLong();
        long deadline = start + budget.toNanos();
        Split split = Splits.randomHoldout(train, VALIDATION_SHARE, seed ^ 0x7E57);
        ModelType type = defaults.type();
        boolean lower = type.predictsRatings();
        SplittableRandom random = new SplittableRandom(seed);
        List<Trial> trials = new ArrayList<>();
        int full = defaults.epochs();
        TrainingConfig base = defaults.toBuilder().retrainOnAll(false).build();
        Trial incumbent = run(0, base, 0, split, trials, listener);
        double defaultValue = incumbent.value();
        int next = 1;
        boolean epochsMatter = type != ModelType.EASE;
        while (nanoTime.getAsLong() < deadline) {
            List<Integer> ids = new ArrayList<>();
            List<TrainingConfig> pool = new ArrayList<>();
            int size = epochsMatter ? BRACKET : 1;
            for (int c = 0; c < size; c++) {
                ids.add(next++);
                pool.add(sample(base, random));
            }
            int rungs = epochsMatter ? 3 : 1;
            for (int rung = 0; rung < rungs && !pool.isEmpty(); rung++) {
                int epochs =
                        rung == rungs - 1
                                ? full
                                : Math.max(1, full / (int) Math.pow(ETA, rungs - 1 - rung));
                List<Trial> results = new ArrayList<>();
                for (int c = 0; c < pool.size(); c++) {
                    if (nanoTime.getAsLong() >= deadline) {
                        break;
                    }
                    TrainingConfig config = pool.get(c).toBuilder().epochs(epochs).build();
                    results.add(
                            run(
                                    ids.get(c),
                                    config,
                                    epochsMatter ? rung : 0,
                                    split,
                                    trials,
                                    listener));
                }
                if (rung == rungs - 1) {
                    for (Trial t : results) {
                        if (better(t.value(), incumbent.value(), lower)) {
                            incumbent = t;
                        }
                    }
                    break;
                }
                Comparator<Trial> order = Comparator.comparingDouble(Trial::value);
                results.sort(lower ? order : order.reversed());
                int keep = Math.max(1, results.size() / ETA);
                List<Integer> nextIds = new ArrayList<>();
                List<TrainingConfig> nextPool = new ArrayList<>();
                for (int j = 0; j < Math.min(keep, results.size()); j++) {
                    nextIds.add(results.get(j).candidate());
                    nextPool.add(results.get(j).config());
                }
                ids = nextIds;
                pool = nextPool;
            }
        }
        double seconds = (nanoTime.getAsLong() - start) / 1e9;
        TrainingConfig best =
                incumbent.config().toBuilder().retrainOnAll(defaults.retrainOnAll()).build();
        LOG.info(
                "Tuned {}: {} trials in {} s, best {} vs defaults {}",
                type,
                trials.size(),
                seconds,
                incumbent.value(),
                defaultValue);
        return new TuningResult(
                lower ? "rmse" : "ndcg@10",
                lower,
                trials,
                best,
                incumbent.value(),
                defaultValue,
                seconds);
    }

    private static boolean better(double a, double b, boolean lower) {
        return lower ? a < b : a > b;
    }

    private Trial run(
            int candidate,
            TrainingConfig config,
            int rung,
            Split split,
            List<Trial> trials,
            Listener listener) {
        long t0 = System.nanoTime();
        FactorModel model =
                RecommenderTrainer.create(config)
                        .fit(split.train(), split.test(), TrainingListener.NONE)
                        .model();
        Evaluator evaluator = Evaluator.builder().k(10).build();
        double value =
                config.type().predictsRatings()
                        ? evaluator.evaluateRatings(model, split.test()).rmse()
                        : evaluator.evaluateRanking(model, split.train(), split.test()).ndcg();
        Trial trial = new Trial(candidate, config, rung, value, (System.nanoTime() - t0) / 1e9);
        trials.add(trial);
        listener.onTrial(trial);
        return trial;
    }

    /** Draws a random candidate from the model's search space. */
    static TrainingConfig sample(TrainingConfig base, SplittableRandom r) {
        TrainingConfig.Builder b = base.toBuilder();
        int[] factors = {16, 32, 64, 128};
        switch (base.type()) {
            case EASE -> b.l2(logUniform(r, 10, 5000));
            case IALS -> {
                b.factors(factors[r.nextInt(factors.length)]);
                b.l2(logUniform(r, 1, 500));
                b.alpha(logUniform(r, 0.5f, 50));
            }
            case SVDPP, BIASED_MF -> {
                b.factors(factors[r.nextInt(factors.length)]);
                b.learningRate(logUniform(r, 0.002f, 0.02f));
                b.l2(logUniform(r, 0.005f, 0.5f));
            }
            case BPR_MF -> {
                b.factors(factors[r.nextInt(factors.length)]);
                b.learningRate(logUniform(r, 0.001f, 0.02f));
                b.l2(logUniform(r, 0.0005f, 0.1f));
            }
            case TWO_TOWER -> {
                b.factors(factors[r.nextInt(factors.length)]);
                b.learningRate(logUniform(r, 0.001f, 0.02f));
                b.l2(logUniform(r, 0.00001f, 0.01f));
            }
        }
        return b.build();
    }

    private static float logUniform(SplittableRandom r, float lo, float hi) {
        double v = Math.exp(Math.log(lo) + r.nextDouble() * (Math.log(hi) - Math.log(lo)));
        // Three significant digits: settings that read well in a table and a card.
        return Float.parseFloat(String.format(Locale.ROOT, "%.3g", v));
    }

    /** Returns the searched settings of {@code config} in one line. */
    public static String describe(TrainingConfig config) {
        return switch (config.type()) {
            case EASE -> "l2=" + config.l2();
            case IALS ->
                    "factors="
                            + config.factors()
                            + " l2="
                            + config.l2()
                            + " alpha="
                            + config.alpha();
            default ->
                    "factors="
                            + config.factors()
                            + " lr="
                            + config.learningRate()
                            + " l2="
                            + config.l2();
        };
    }

    /** Called after each trial, for progress output. */
    @FunctionalInterface
    public interface Listener {
        /** A listener that ignores every trial. */
        Listener NONE = t -> {};

        /** Called after {@code trial} has been trained and validated. */
        void onTrial(Trial trial);
    }
}
