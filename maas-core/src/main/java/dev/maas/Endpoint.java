package dev.maas;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Translator;
import java.util.concurrent.CompletableFuture;

/**
 * A handle for running one model reference. Obtained from {@link ModelService#endpoint(ModelRef)};
 * the reference is resolved at call time, so an endpoint for {@code name@production} follows the
 * alias as it moves.
 *
 * <p>Calls from all threads are queued per model version and run in dynamic batches (see {@link
 * ServingOptions}); each caller receives its own rows of the outputs. A full queue rejects calls at
 * once with {@link OverloadedException}; a call with a {@link CallOptions#deadline() deadline} that
 * expires fails with {@link DeadlineExceededException}, and is skipped if it had not started. A
 * call that the engine rejects fails alone: the others of its batch complete.
 *
 * <p>Thread-safe: share one endpoint across all threads. Endpoints hold no native resources of
 * their own, so they need not be closed; the models behind them are released by the service.
 *
 * <p><b>Ownership of arrays.</b> Inputs are only read, on the calling thread, before the call
 * returns or its future is handed back: the caller may close them at once. Outputs are new arrays
 * of the {@link ai.djl.ndarray.NDManager} of the first input array (made in its engine even if the
 * model runs on another one), so closing that manager frees them; for {@link #predictAsync} that
 * manager must stay open until the future completes. When a synchronous call's thread has an {@link
 * ai.djl.ndarray.NDScope} open, the outputs also belong to it, like any array made inside it. Every
 * other array a call makes (inputs assembled into batches, an eager engine's intermediate results)
 * lives in a per-batch manager closed when the batch ends.
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
     * Runs the model on {@code input} with per-call {@code options}: a routing key (for sticky
     * traffic splits) and a deadline.
     *
     * @throws DeadlineExceededException if the deadline passed before the result was ready (the
     *     message says whether the call had started)
     * @throws OverloadedException if the model's queue is full (the message names the endpoint and
     *     the queue's capacity)
     * @throws InvalidInputException if the input does not match the signature
     * @throws MaasException if the engine fails on this input (the engine's exception is the cause)
     * @see #predict(NDList)
     */
    NDList predict(NDList input, CallOptions options);

    /**
     * Queues the model run on {@code input} and returns at once; see {@link #predictAsync(NDList,
     * CallOptions)}.
     */
    CompletableFuture<NDList> predictAsync(NDList input);

    /**
     * Queues the model run on {@code input} and returns a future of its outputs. The input is
     * checked and copied before this method returns. Failures (invalid input, overload, deadline,
     * engine failure, unknown model) complete the future exceptionally with the exceptions listed
     * on {@link #predict(NDList, CallOptions)}. Cancelling the future skips the call if it has not
     * started. Dependent stages run on a worker thread unless given an executor: keep them short.
     * The first call on a version that is not loaded yet waits for the load on the calling thread.
     */
    CompletableFuture<NDList> predictAsync(NDList input, CallOptions options);

    /**
     * Runs the model on one item with a DJL {@link Translator}: the translator's pre-processing,
     * its batchifier (when it has one) and post-processing run around the model call.
     *
     * @throws InvalidInputException if the translated input does not match the signature
     * @throws MaasException if the translator or the engine fails (with the cause)
     */
    <I, O> O predict(I input, Translator<I, O> translator);

    /**
     * Runs the model on one item with a DJL {@link Translator} and per-call {@code options}.
     *
     * @see #predict(Object, Translator)
     * @see #predict(NDList, CallOptions)
     */
    <I, O> O predict(I input, Translator<I, O> translator, CallOptions options);
}
