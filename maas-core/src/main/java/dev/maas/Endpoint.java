package dev.maas;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Translator;

/**
 * A handle for running one model reference. Obtained from {@link ModelService#endpoint(ModelRef)};
 * the reference is resolved at call time, so an endpoint for {@code name@production} follows the
 * alias as it moves.
 *
 * <p>Thread-safe: share one endpoint across all threads. Endpoints hold no native resources of
 * their own, so they need not be closed; the models behind them are released by the service.
 *
 * <p><b>Ownership of arrays.</b> Inputs are only read. Outputs are attached to the {@link
 * ai.djl.ndarray.NDManager} of the first input array (copied into its engine if the model runs on
 * another one), so closing that manager frees them; when the calling thread has an {@link
 * ai.djl.ndarray.NDScope} open, they also belong to it, like any array made inside it. Every other
 * array a call makes (an eager engine's intermediate results) is closed before the call returns.
 */
public interface Endpoint {
    /** Returns the reference this endpoint serves. */
    ModelRef ref();

    /**
     * Returns the card of the version a call made now would use.
     *
     * @throws ModelNotFoundException if the reference resolves to nothing
     */
    ModelCard card();

    /**
     * Runs the model on {@code input}, which must match the model's input signature, batch
     * dimension included.
     *
     * @return the model's outputs, attached to the first input's manager
     * @throws InvalidInputException if the input does not match the signature (the message states
     *     what was expected)
     * @throws ModelNotFoundException if the reference resolves to nothing
     * @throws MalformedModelException if the model cannot be loaded
     * @throws EngineUnavailableException if no backend can run the model
     * @throws MaasException if the engine fails on this input (the engine's exception is the cause)
     */
    NDList predict(NDList input);

    /**
     * Runs the model on one item with a DJL {@link Translator}: the translator's pre-processing,
     * its batchifier (when it has one) and post-processing run around the model call.
     *
     * @throws InvalidInputException if the translated input does not match the signature
     * @throws MaasException if the translator or the engine fails (with the cause)
     */
    <I, O> O predict(I input, Translator<I, O> translator);
}
