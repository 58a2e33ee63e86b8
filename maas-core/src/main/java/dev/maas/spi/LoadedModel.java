package dev.maas.spi;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import dev.maas.ModelCard;
import java.util.Optional;

/**
 * A model version loaded by an {@link EngineBackend}. The store closes it once it is evicted or
 * replaced and no call holds it any more.
 *
 * <p>{@link #newPredictor()} is thread-safe; each {@link Predictor} it returns is not, and is used
 * by one thread at a time.
 */
public interface LoadedModel extends AutoCloseable {
    /** Returns the card the model was loaded from. */
    ModelCard card();

    /** Returns the underlying DJL model, for translators that need it. */
    Model djlModel();

    /** Returns a new predictor that maps an {@link NDList} to an {@link NDList}. */
    Predictor<NDList, NDList> newPredictor();

    /** Returns an estimate of the memory the loaded model holds, in bytes, for cache weighing. */
    long sizeBytes();

    /**
     * Returns this model viewed as {@code type}, for models served through an API of their own
     * rather than through predictors (a recommender's factors and item index, for example); see
     * {@link dev.maas.ModelService#apply}. The default returns this object when it is an instance
     * of {@code type}, and empty otherwise. Implementations must be thread-safe.
     */
    default <T> Optional<T> unwrap(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    /** Releases the model's native resources. Safe to call more than once. */
    @Override
    void close();
}
