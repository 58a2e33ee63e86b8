package dev.maas.engine.xgboost;

/**
 * The native side of a loaded tree model: predicts dense float32 rows with one library's boosters.
 * Implementations are thread-safe; {@link #close} frees the natives once the calls in flight are
 * done with them.
 */
interface TreePredictor extends AutoCloseable {
    /**
     * Predicts {@code rows} rows of {@code data} (row-major, {@code features} per row).
     *
     * @return {@code rows * outputs} values, row by row
     */
    float[] predict(float[] data, int rows, int features, int outputs);

    @Override
    void close();
}
