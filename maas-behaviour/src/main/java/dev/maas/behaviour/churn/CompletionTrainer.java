package dev.maas.behaviour.churn;

import dev.maas.behaviour.data.BehaviourLog;
import dev.maas.behaviour.data.Title;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Trains "finishes the title" with gradient-boosted trees (XGBoost) and a {@link
 * LogisticRegression} baseline. One row per viewing event, with features known when the title
 * starts: the user's completion rate and number of titles so far, the share of the title's genre in
 * the user's history, the title's length, whether it is an episode and which, whether the user
 * finished the previous episode of the series, and the title's completion rate among other users in
 * the training period. Events before {@code cut} train, events from {@code cut} on test; title
 * rates come from training events only, so no test outcome reaches a feature.
 *
 * <p>Immutable and thread-safe.
 */
public final class CompletionTrainer {
    /** The card task of completion models. */
    public static final String TASK = "completion";

    /** The feature names, in column order. */
    public static final List<String> FEATURES =
            List.of(
                    "user_completion_so_far",
                    "user_titles_so_far",
                    "genre_share",
                    "minutes",
                    "is_episode",
                    "episode",
                    "finished_previous_episode",
                    "title_completion_rate");

    private final long seed;

    private CompletionTrainer(long seed) {
        this.seed = seed;
    }

    /** Returns a trainer with 100 rounds of depth-4 trees. */
    public static CompletionTrainer defaults(long seed) {
        return new CompletionTrainer(seed);
    }

    /**
     * Test metrics of the trees and the logistic-regression baseline.
     *
     * @param trees test metrics of the tree model
     * @param logistic test metrics of logistic regression
     * @param trainRows training events
     * @param testRows test events
     */
    public record Result(
            BinaryMetrics trees, BinaryMetrics logistic, int trainRows, int testRows) {}

    /** Trains on the events before {@code cut} and tests on the events from {@code cut} on. */
    public Result train(BehaviourLog log, long cut) {
        int w = FEATURES.size();
        float[] titleRate = titleRates(log, cut);
        int train = 0;
        for (int u = 0; u < log.numUsers(); u++) {
            for (int r = log.start(u); r < log.end(u); r++) {
                if (log.time(r) < cut) {
                    train++;
                }
            }
        }
        int test = log.size() - train;
        float[] xTrain = new float[train * w];
        float[] yTrain = new float[train];
        float[] xTest = new float[test * w];
        float[] yTest = new float[test];
        int a = 0;
        int b = 0;
        int genres = log.genres().size();
        for (int u = 0; u < log.numUsers(); u++) {
            int seen = 0;
            int finished = 0;
            int[] genreCount = new int[genres];
            Map<Integer, Boolean> lastEpisodeFinished = new HashMap<>();
            for (int r = log.start(u); r < log.end(u); r++) {
                Title t = log.titles().get(log.item(r));
                Boolean prev = t.isEpisode() ? lastEpisodeFinished.get(t.series()) : null;
                float[] row = {
                    seen == 0 ? -1 : finished / (float) seen,
                    seen,
                    seen == 0 ? 0 : genreCount[t.genre()] / (float) seen,
                    t.minutes(),
                    t.isEpisode() ? 1 : 0,
                    t.episode(),
                    prev == null ? -1 : prev ? 1 : 0,
                    titleRate[log.item(r)]
                };
                boolean fin = log.finished(r);
                if (log.time(r) < cut) {
                    System.arraycopy(row, 0, xTrain, a * w, w);
                    yTrain[a++] = fin ? 1 : 0;
                } else {
                    System.arraycopy(row, 0, xTest, b * w, w);
                    yTest[b++] = fin ? 1 : 0;
                }
                seen++;
                finished += fin ? 1 : 0;
                genreCount[t.genre()]++;
                if (t.isEpisode()) {
                    lastEpisodeFinished.put(t.series(), fin);
                }
            }
        }
        try {
            DMatrix m = new DMatrix(xTrain, train, w, Float.NaN);
            Booster booster;
            try {
                m.setLabel(yTrain);
                Map<String, Object> p = new HashMap<>();
                p.put("objective", "binary:logistic");
                p.put("max_depth", 4);
                p.put("eta", 0.1);
                p.put("seed", (int) seed);
                p.put("nthread", 1);
                p.put("tree_method", "hist");
                booster = XGBoost.train(m, p, 100, Map.of(), null, null);
            } finally {
                m.dispose();
            }
            try {
                float[][] pred = booster.inplace_predict(xTest, test, w, Float.NaN);
                float[] flat = new float[test];
                for (int i = 0; i < test; i++) {
                    flat[i] = pred[i][0];
                }
                LogisticRegression lr = LogisticRegression.fit(xTrain, w, yTrain, 1.0);
                return new Result(
                        BinaryMetrics.of(yTest, flat),
                        BinaryMetrics.of(yTest, lr.predict(xTest, w)),
                        train,
                        test);
            } finally {
                booster.dispose();
            }
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost training failed: " + e.getMessage(), e);
        }
    }

    /** Each title's completion rate over training events, shrunk towards the overall rate. */
    private static float[] titleRates(BehaviourLog log, long cut) {
        int n = log.numItems();
        double[] fin = new double[n];
        double[] all = new double[n];
        double totalFin = 0;
        double total = 0;
        for (int r = 0; r < log.size(); r++) {
            if (log.time(r) < cut) {
                all[log.item(r)]++;
                total++;
                if (log.finished(r)) {
                    fin[log.item(r)]++;
                    totalFin++;
                }
            }
        }
        double prior = total == 0 ? 0.5 : totalFin / total;
        float[] rate = new float[n];
        for (int i = 0; i < n; i++) {
            rate[i] = (float) ((fin[i] + 5 * prior) / (all[i] + 5));
        }
        return rate;
    }
}
