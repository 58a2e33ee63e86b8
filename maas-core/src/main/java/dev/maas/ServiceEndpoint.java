package dev.maas;

import ai.djl.Model;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link Endpoint} a {@link ModelService} hands out: routes each call (aliases, traffic splits,
 * shadows), copies its inputs, hands it to the chosen version's batcher (which queues it, or runs a
 * lone blocking call at once on the caller's thread), waits (or returns a future) and hands the
 * outputs to the caller's manager. Thread-safe.
 */
final class ServiceEndpoint implements Endpoint {
    private final ModelService service;
    private final ModelRef ref;
    private final Ticker ticker;

    ServiceEndpoint(ModelService service, ModelRef ref) {
        this.service = service;
        this.ref = ref;
        this.ticker = service.ticker();
    }

    @Override
    public ModelRef ref() {
        return ref;
    }

    @Override
    public ModelCard card() {
        return service.resolve(ref);
    }

    @Override
    public NDList predict(NDList input) {
        return predict(input, CallOptions.NONE);
    }

    @Override
    public NDList predict(NDList input, CallOptions options) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(options, "options");
        long start = ticker.read();
        ModelRuntime runtime = service.acquire(ref, options.key());
        Call call = submit(runtime, input, options, start, true);
        return outputs(call, await(runtime, call), callerManager(input));
    }

    /** The call's outputs as arrays of {@code manager} (a local call's are already). */
    private static NDList outputs(Call call, List<Tensors.Tensor> out, NDManager manager) {
        NDList local = call.localOutput();
        return local != null ? local : Tensors.materialize(out, manager);
    }

    @Override
    public CompletableFuture<NDList> predictAsync(NDList input) {
        return predictAsync(input, CallOptions.NONE);
    }

    @Override
    public CompletableFuture<NDList> predictAsync(NDList input, CallOptions options) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(options, "options");
        long start = ticker.read();
        ModelRuntime runtime;
        Call call;
        try {
            runtime = service.acquire(ref, options.key());
            call = submit(runtime, input, options, start, false);
        } catch (MaasException e) {
            return CompletableFuture.failedFuture(e);
        }
        NDManager caller = callerManager(input);
        ScheduledFuture<?> timer = null;
        if (call.deadline() != Long.MAX_VALUE) {
            long delay = Math.max(0, call.deadline() - ticker.read());
            timer =
                    service.deadlines()
                            .schedule(() -> runtime.expire(call), delay, TimeUnit.NANOSECONDS);
        }
        ScheduledFuture<?> deadlineTimer = timer;
        CompletableFuture<NDList> result = new CompletableFuture<>();
        call.result()
                .whenComplete(
                        (out, failure) -> {
                            if (deadlineTimer != null) {
                                deadlineTimer.cancel(false);
                            }
                            if (failure != null) {
                                result.completeExceptionally(failure);
                                return;
                            }
                            if (result.isDone()) {
                                return; // cancelled by the caller: nothing to hand over
                            }
                            NDList list;
                            try {
                                list = Tensors.materialize(out, caller);
                            } catch (RuntimeException e) {
                                result.completeExceptionally(handOverFailed(runtime.card(), e));
                                return;
                            }
                            if (!result.complete(list)) {
                                list.close();
                            }
                        });
        result.whenComplete(
                (r, e) -> {
                    if (e instanceof CancellationException) {
                        runtime.cancel(call);
                    }
                });
        return result;
    }

    @Override
    public <I, O> O predict(I input, Translator<I, O> translator) {
        return predict(input, translator, CallOptions.NONE);
    }

    @Override
    public <I, O> O predict(I input, Translator<I, O> translator, CallOptions options) {
        Objects.requireNonNull(translator, "translator");
        Objects.requireNonNull(options, "options");
        long start = ticker.read();
        ModelRuntime runtime = service.acquire(ref, options.key());
        try (Context ctx = new Context(runtime.model().djlModel())) {
            NDList in;
            Batchifier batchifier;
            try {
                runtime.prepare(translator, ctx);
                in = translator.processInput(ctx, input);
                batchifier = translator.getBatchifier();
                if (batchifier != null) {
                    in = batchifier.batchify(new NDList[] {in});
                }
            } catch (MaasException e) {
                throw e;
            } catch (Exception e) {
                throw Signatures.engineFailure(runtime.card(), e);
            }
            // The call gets a reference of its own; ours keeps the model open for the translator.
            if (!runtime.retain()) {
                throw new IllegalStateException("model " + runtime.card().ref() + " is closed");
            }
            Call call = submit(runtime, in, options, start, true);
            NDList out = outputs(call, await(runtime, call), ctx.getNDManager());
            try {
                if (batchifier != null) {
                    out = batchifier.unbatchify(out)[0];
                }
                return translator.processOutput(ctx, out);
            } catch (MaasException e) {
                throw e;
            } catch (Exception e) {
                throw Signatures.engineFailure(runtime.card(), e);
            }
        } finally {
            runtime.release();
        }
    }

    /**
     * Checks and copies the input and queues the call on {@code runtime}, whose reference (taken by
     * the caller) passes to the call; on failure it is released here. Mirrors the call to the
     * shadow version, if any.
     *
     * @param blocking whether the caller waits for the result: a call without deadline may then run
     *     on the caller's thread when a predictor is idle and nothing is queued. A call with a
     *     deadline always goes to a worker, so that the caller can give up on time.
     */
    private Call submit(
            ModelRuntime runtime, NDList input, CallOptions options, long start, boolean blocking) {
        long deadline =
                options.deadline() == null ? Long.MAX_VALUE : start + nanos(options.deadline());
        boolean callerMayRun = blocking && deadline == Long.MAX_VALUE;
        Call call;
        try {
            ModelCard card = runtime.card();
            Signatures.checkInputs(card, input);
            boolean batchable = runtime.batching();
            if (callerMayRun && runtime.local(input)) {
                call =
                        Call.local(
                                input,
                                Tensors.rows(input, batchable),
                                () -> Tensors.extract(card, input, batchable),
                                start);
            } else {
                call = new Call(Tensors.extract(card, input, batchable), start, deadline, false);
            }
            runtime.submit(call, ref, callerMayRun);
        } catch (RuntimeException e) {
            runtime.metrics().request(ServingMetrics.Outcome.of(e), false, ticker.read() - start);
            runtime.release();
            throw e;
        }
        mirror(input, start);
        return call;
    }

    /** Queues a copy of the call on the shadow version, if the call is to be mirrored. */
    private void mirror(NDList input, long start) {
        ModelRuntime shadow = service.shadow(ref);
        if (shadow == null) {
            return;
        }
        try {
            ModelCard card = shadow.card();
            Signatures.checkInputs(card, input);
            Call call =
                    new Call(
                            Tensors.extract(card, input, shadow.batching()),
                            start,
                            Long.MAX_VALUE,
                            true);
            shadow.submit(call, ref, false);
        } catch (RuntimeException e) {
            // A shadow never fails its caller: count it and drop it.
            shadow.metrics().request(ServingMetrics.Outcome.of(e), true, ticker.read() - start);
            shadow.release();
        }
    }

    /** Waits for {@code call} until its deadline. */
    private List<Tensors.Tensor> await(ModelRuntime runtime, Call call) {
        try {
            if (call.deadline() == Long.MAX_VALUE) {
                return call.result().get();
            }
            try {
                long remaining = call.deadline() - ticker.read();
                return call.result().get(Math.max(0, remaining), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                runtime.expire(call);
                // Either the deadline failure just set, or the result that won the race.
                return call.result().get();
            }
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            runtime.cancel(call);
            throw new MaasException("interrupted while waiting for " + runtime.card().ref(), e);
        }
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new MaasException(String.valueOf(cause), cause);
    }

    private static MaasException handOverFailed(ModelCard card, RuntimeException e) {
        return new MaasException(
                "the result of model "
                        + card.ref()
                        + " could not be handed to the input's NDManager (was it closed before the"
                        + " call completed?): "
                        + e.getMessage(),
                e);
    }

    private static NDManager callerManager(NDList input) {
        return input.head().getManager();
    }

    private static long nanos(java.time.Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    @Override
    public String toString() {
        return "Endpoint[" + ref + "]";
    }

    /** A translator context whose arrays live in a per-call manager, closed after the call. */
    static final class Context implements TranslatorContext {
        private final Model model;
        private final NDManager manager;
        private final Map<String, Object> attachments = new ConcurrentHashMap<>();

        Context(Model model) {
            this.model = model;
            this.manager = model.getNDManager().newSubManager();
        }

        @Override
        public Model getModel() {
            return model;
        }

        @Override
        public NDManager getNDManager() {
            return manager;
        }

        @Override
        public NDManager getPredictorManager() {
            return manager;
        }

        @Override
        public Block getBlock() {
            return model.getBlock();
        }

        @Override
        public Metrics getMetrics() {
            return null;
        }

        @Override
        public Object getAttachment(String key) {
            return attachments.get(key);
        }

        @Override
        public void setAttachment(String key, Object value) {
            attachments.put(key, value);
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
