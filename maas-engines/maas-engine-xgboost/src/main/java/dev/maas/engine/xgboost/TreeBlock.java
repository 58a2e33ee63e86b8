package dev.maas.engine.xgboost;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.maas.InvalidInputException;
import java.util.List;
import java.util.Locale;

/**
 * Predicts with a tree model: one float32 input {@code (rows, features)}, one float32 output {@code
 * (rows, outputs)}. Checks what XGBoost would accept silently or reject obscurely (feature count,
 * infinite values, NaN where the card forbids missing values) and names the row and the feature at
 * fault. Thread-safe: the {@link TreePredictor} is.
 */
final class TreeBlock extends AbstractBlock {
    private final String model;
    private final TreePredictor pool;
    private final int features;
    private final int outputs;
    private final String allowMissingProperty;
    private final boolean allowMissing;
    private final List<String> featureNames;

    TreeBlock(
            String model,
            TreePredictor pool,
            int features,
            int outputs,
            String allowMissingProperty,
            boolean allowMissing,
            List<String> featureNames) {
        this.model = model;
        this.pool = pool;
        this.features = features;
        this.outputs = outputs;
        this.allowMissingProperty = allowMissingProperty;
        this.allowMissing = allowMissing;
        this.featureNames = List.copyOf(featureNames);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        if (inputs.size() != 1) {
            throw new InvalidInputException(
                    "tree model "
                            + model
                            + " takes 1 array of features, got "
                            + inputs.size()
                            + " arrays");
        }
        NDArray x = inputs.get(0);
        Shape shape = x.getShape();
        if (x.getDataType() != DataType.FLOAT32
                || shape.dimension() != 2
                || shape.get(1) != features) {
            throw new InvalidInputException(
                    "tree model "
                            + model
                            + " takes float32 (rows, "
                            + features
                            + ") features, got "
                            + x.getDataType().name().toLowerCase(Locale.ROOT)
                            + " "
                            + shape
                            + (shape.dimension() == 2 && shape.get(1) != features
                                    ? ": " + shape.get(1) + " features instead of " + features
                                    : ""));
        }
        int rows = Math.toIntExact(shape.get(0));
        float[] data = x.toFloatArray();
        check(data);
        float[] out = predict(data, rows);
        return new NDList(x.getManager().create(out, new Shape(rows, outputs)));
    }

    /** Predicts {@code rows} rows of {@code data}; returns the outputs row by row. */
    float[] predict(float[] data, int rows) {
        float[] out = new float[rows * outputs];
        if (rows == 0) {
            return out;
        }
        return pool.predict(data, rows, features, outputs);
    }

    /**
     * Rejects infinite values, and NaN when the model does not accept missing values.
     *
     * @throws InvalidInputException naming the first bad row and feature
     */
    void check(float[] data) {
        for (int i = 0; i < data.length; i++) {
            float v = data[i];
            if (Float.isInfinite(v) || (Float.isNaN(v) && !allowMissing)) {
                int f = i % features;
                throw new InvalidInputException(
                        "tree model "
                                + model
                                + ": row "
                                + i / features
                                + ", feature "
                                + f
                                + (featureNames.isEmpty() ? "" : " '" + featureNames.get(f) + "'")
                                + " is "
                                + v
                                + (Float.isNaN(v)
                                        ? "; the model does not accept missing values (card"
                                                + " property "
                                                + allowMissingProperty
                                                + "=false)"
                                        : "; features must be finite"));
            }
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), outputs)};
    }
}
