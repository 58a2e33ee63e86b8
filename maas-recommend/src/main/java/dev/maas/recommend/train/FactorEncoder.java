package dev.maas.recommend.train;

/**
 * Chooses how each tensor of a {@link FactorModel} is stored when it is saved: the default keeps
 * every tensor in {@link StoredTensor.DType#F32}; compression stores them in fewer bytes. Whatever
 * the encoding, {@link FactorModel#load} decodes the values back to floats.
 *
 * <p>Implementations must be thread-safe if shared.
 */
@FunctionalInterface
public interface FactorEncoder {
    /** Stores every tensor as it is, in single precision. */
    FactorEncoder FLOAT32 = (tensor, values, rows, cols) -> StoredTensor.f32(values);

    /**
     * Returns how to store one tensor.
     *
     * @param tensor the tensor's name: {@code user_factors}, {@code item_factors} ({@code rows} =
     *     users or items, {@code cols} = the vector length), {@code user_bias} or {@code item_bias}
     *     ({@code cols} = 1)
     * @param values the values, row-major; must not be modified
     * @param rows the number of rows
     * @param cols the number of columns
     * @return the stored form, whose {@link StoredTensor#decode} gives back {@code rows x cols}
     *     values
     */
    StoredTensor encode(String tensor, float[] values, int rows, int cols);
}
