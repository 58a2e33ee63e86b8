package dev.maas.behaviour.churn;

import ai.djl.ndarray.types.DataType;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.behaviour.data.BehaviourLog;
import dev.maas.behaviour.features.FeatureBuilder;
import dev.maas.behaviour.features.UserFeatures;
import dev.maas.engine.xgboost.XGBoostBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Trains "returns within N days" (churn) with gradient-boosted trees (XGBoost) over the {@link
 * FeatureBuilder}'s features, and a {@link LogisticRegression} baseline on the same rows, with a
 * time split: features at {@code trainCut} from events before it, labels from {@code [trainCut,
 * trainCut + horizon)}; evaluation on features at {@code testCut} (later) with labels from {@code
 * [testCut, testCut + horizon)}. Nothing at or after a cut reaches its features.
 *
 * <p>The booster is saved in XGBoost's JSON model format and published as an ordinary model of
 * engine {@value XGBoostBackend#ENGINE}, task {@value #TASK}: one float32 input {@code (rows,
 * features)}, output {@code (rows, 1)} the probability of returning, the feature list in the card
 * property {@value XGBoostBackend#FEATURES}, missing (NaN) features rejected.
 *
 * <p>Immutable and thread-safe; {@link #train} may run concurrently.
 */
public final class ChurnTrainer {
    /** The card task of churn models. */
    public static final String TASK = "churn";

    private final int rounds;
    private final int depth;
    private final double eta;
    private final long seed;

    private ChurnTrainer(int rounds, int depth, double eta, long seed) {
        this.rounds = rounds;
        this.depth = depth;
        this.eta = eta;
        this.seed = seed;
    }

    /** Returns a trainer with 120 rounds of depth-4 trees, learning rate 0.08. */
    public static ChurnTrainer defaults(long seed) {
        return new ChurnTrainer(120, 4, 0.08, seed);
    }

    /**
     * What training produced: the model file's bytes, the feature names, and the test metrics of
     * the trees and of the logistic-regression baseline.
     *
     * @param modelJson the booster in XGBoost's JSON model format
     * @param builder the feature builder the model was trained with
     * @param trees test metrics of the tree model
     * @param logistic test metrics of logistic regression
     * @param trainRows rows the model was trained on
     */
    public record Result(
            byte[] modelJson,
            FeatureBuilder builder,
            BinaryMetrics trees,
            BinaryMetrics logistic,
            int trainRows) {

        /**
         * Returns the card metrics ({@code auc}, {@code logloss}, {@code calibration_error}, ...).
         */
        public Map<String, Double> metrics() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("auc", trees.auc());
            m.put("logloss", trees.logLoss());
            m.put("calibration_error", trees.calibrationError());
            m.put("baseline_lr_auc", logistic.auc());
            m.put("baseline_lr_logloss", logistic.logLoss());
            return m;
        }
    }

    /**
     * Trains and evaluates.
     *
     * @param log the whole log
     * @param trainCut the cut of the training rows
     * @param testCut the cut of the test rows, at least {@code horizon} after {@code trainCut}
     * @param horizon the label window, in seconds
     * @throws IllegalArgumentException if the test window overlaps the training labels
     */
    public Result train(BehaviourLog log, long trainCut, long testCut, long horizon) {
        return train(log, List.of(trainCut), testCut, horizon);
    }

    /**
     * Trains on the rows of several training cuts (each user once per cut: more rows from the same
     * log, as in production where every week adds a snapshot) and evaluates at {@code testCut}.
     *
     * @throws IllegalArgumentException if a training label window reaches the test cut
     */
    public Result train(BehaviourLog log, List<Long> trainCuts, long testCut, long horizon) {
        if (trainCuts.isEmpty()) {
            throw new IllegalArgumentException("no training cut");
        }
        for (long trainCut : trainCuts) {
            if (testCut < trainCut + horizon) {
                throw new IllegalArgumentException(
                        "the test cut must come at least one horizon after every training cut, so"
                                + " that training labels end before test features begin");
            }
        }
        FeatureBuilder fb = new FeatureBuilder(log.genres());
        List<UserFeatures> parts = new java.util.ArrayList<>();
        for (long cut : trainCuts) {
            parts.add(fb.build(log, cut));
        }
        UserFeatures trainX = concat(parts);
        float[] trainY = new float[trainX.rows()];
        int at = 0;
        for (UserFeatures part : parts) {
            float[] y = FeatureBuilder.returnsWithin(log, part, horizon);
            System.arraycopy(y, 0, trainY, at, y.length);
            at += y.length;
        }
        UserFeatures testX = fb.build(log, testCut);
        float[] testY = FeatureBuilder.returnsWithin(log, testX, horizon);
        int cols = fb.names().size();
        try {
            DMatrix train = new DMatrix(trainX.values(), trainX.rows(), cols, Float.NaN);
            Booster booster;
            try {
                train.setLabel(trainY);
                booster = XGBoost.train(train, params(), rounds, Map.of(), null, null);
            } finally {
                train.dispose();
            }
            try {
                float[][] p =
                        booster.inplace_predict(testX.values(), testX.rows(), cols, Float.NaN);
                float[] flat = new float[p.length];
                for (int i = 0; i < p.length; i++) {
                    flat[i] = p[i][0];
                }
                LogisticRegression lr = LogisticRegression.fit(trainX.values(), cols, trainY, 1.0);
                return new Result(
                        booster.toByteArray("json"),
                        fb,
                        BinaryMetrics.of(testY, flat),
                        BinaryMetrics.of(testY, lr.predict(testX.values(), cols)),
                        trainX.rows());
            } finally {
                booster.dispose();
            }
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost training failed: " + e.getMessage(), e);
        }
    }

    private static UserFeatures concat(List<UserFeatures> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int rows = parts.stream().mapToInt(UserFeatures::rows).sum();
        int w = parts.get(0).width();
        int[] users = new int[rows];
        float[] values = new float[rows * w];
        int r = 0;
        for (UserFeatures p : parts) {
            System.arraycopy(p.users(), 0, users, r, p.rows());
            System.arraycopy(p.values(), 0, values, r * w, p.rows() * w);
            r += p.rows();
        }
        return new UserFeatures(
                parts.get(0).names(), users, values, parts.get(parts.size() - 1).cut());
    }

    private Map<String, Object> params() {
        Map<String, Object> p = new HashMap<>();
        p.put("objective", "binary:logistic");
        p.put("max_depth", depth);
        p.put("eta", eta);
        p.put("subsample", 0.9);
        p.put("min_child_weight", 2);
        p.put("seed", (int) seed);
        p.put("nthread", 1);
        p.put("tree_method", "hist");
        return p;
    }

    /**
     * Publishes {@code result} as model {@code name} and returns its card.
     *
     * @throws dev.maas.MaasException if publishing fails
     */
    public static ModelCard publish(ModelService service, String name, Result result) {
        int cols = result.builder().names().size();
        ModelCard card =
                ModelCard.builder(name)
                        .task(TASK)
                        .engine(XGBoostBackend.ENGINE)
                        .format(XGBoostBackend.JSON)
                        .description(
                                "Probability that a user returns within 7 days, from"
                                        + " gradient-boosted trees over behaviour features")
                        .inputs(TensorSpec.of("features", DataType.FLOAT32, -1, cols))
                        .outputs(TensorSpec.of("returns_probability", DataType.FLOAT32, -1, 1))
                        .property(
                                XGBoostBackend.FEATURES, String.join(",", result.builder().names()))
                        .property(XGBoostBackend.ALLOW_MISSING, "false")
                        .metrics(result.metrics())
                        .build();
        try {
            Path dir = Files.createTempDirectory("maas-churn");
            try {
                Files.write(dir.resolve("model.json"), result.modelJson());
                return service.publish(ModelPackage.of(card, dir));
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the churn model: " + e.getMessage(), e);
        }
    }
}
