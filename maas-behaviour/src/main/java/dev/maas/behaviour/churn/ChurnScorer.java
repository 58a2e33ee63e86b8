package dev.maas.behaviour.churn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.maas.Endpoint;
import dev.maas.InvalidInputException;
import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.behaviour.features.UserFeatures;
import dev.maas.engine.xgboost.XGBoostBackend;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Scores users with a published churn (or any tree) model through its maas endpoint, so calls are
 * batched, routed by alias and counted in the metrics like any model's. Rows are given in the
 * card's feature order, or by name.
 *
 * <p>Thread-safe.
 */
public final class ChurnScorer implements AutoCloseable {
    private final Endpoint endpoint;
    private final List<String> features;
    private final NDManager manager;

    private ChurnScorer(Endpoint endpoint, List<String> features) {
        this.endpoint = endpoint;
        this.features = features;
        this.manager = NDManager.newBaseManager(XGBoostBackend.ENGINE);
    }

    /**
     * Opens the model {@code ref} ({@code name}, {@code name:version} or {@code name@alias}).
     *
     * @throws dev.maas.ModelNotFoundException if there is no such model
     * @throws IllegalArgumentException if its card lists no features
     */
    public static ChurnScorer open(ModelService service, String ref) {
        Endpoint e = service.endpoint(ref);
        ModelCard card = service.resolve(e.ref());
        String list = card.properties().get(XGBoostBackend.FEATURES);
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException(
                    "model "
                            + card.ref()
                            + " lists no features in its card property '"
                            + XGBoostBackend.FEATURES
                            + "'");
        }
        return new ChurnScorer(e, Arrays.stream(list.split(",")).map(String::trim).toList());
    }

    /** Returns the feature names, in column order. */
    public List<String> features() {
        return features;
    }

    /**
     * Scores one user given by feature name.
     *
     * @throws InvalidInputException naming missing, unknown or non-finite features
     */
    public float score(Map<String, ? extends Number> byName) {
        float[] row;
        try {
            row = UserFeatures.ordered(features, byName);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(
                    "churn model " + endpoint.ref() + ": " + e.getMessage(), e);
        }
        return score(row, 1)[0];
    }

    /**
     * Scores {@code rows} users given row after row in feature order; returns one probability per
     * row.
     *
     * @throws InvalidInputException if the values are not whole rows, or a value is not finite
     */
    public float[] score(float[] values, int rows) {
        if (values.length != rows * features.size()) {
            throw new InvalidInputException(
                    "churn model "
                            + endpoint.ref()
                            + ": "
                            + values.length
                            + " values are not "
                            + rows
                            + " rows of "
                            + features.size()
                            + " features "
                            + features);
        }
        try (NDManager call = manager.newSubManager()) {
            NDList out =
                    endpoint.predict(
                            new NDList(call.create(values, new Shape(rows, features.size()))));
            return out.singletonOrThrow().toFloatArray();
        }
    }

    /** Scores every row of {@code features}, which must have this model's feature names. */
    public float[] score(UserFeatures features) {
        if (!features.names().equals(this.features)) {
            throw new InvalidInputException(
                    "churn model "
                            + endpoint.ref()
                            + " expects features "
                            + this.features
                            + ", got "
                            + features.names());
        }
        return score(features.values(), features.rows());
    }

    /** Releases the scorer's array manager. Safe to call more than once. */
    @Override
    public void close() {
        manager.close();
    }
}
