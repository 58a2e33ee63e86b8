package dev.maas;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.maas.spi.LoadedModel;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model version and what serves it: its {@link Batcher} (queue and workers, each with
 * its own predictor), started on first use or at load for warm-up, and a reference count, so that
 * the model is closed only after the last call holding it has finished.
 *
 * <p>Thread-safe.
 */
final class ModelRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRuntime.class);

    private final LoadedModel model;
    private final ModelCard card;
    private final ServingConfig config;
    private final Ticker ticker;
    private final ServingMetrics.VersionMetrics metrics;
    private final Set<Object> prepared = Collections.newSetFromMap(new ConcurrentHashMap<>());
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final Object batcherLock = new Object();

    /** The manager of a DJL model, whose arrays calls may hand over as they are; else null. */
    private final ai.djl.ndarray.NDManager djlManager;

    /** Guarded by {@link #batcherLock} for writes. */
    private volatile Batcher batcher;

    /** Set under {@link #batcherLock} once closing starts; no batcher is created after. */
    private boolean closing;

    /** One reference for the store, one per call in flight; 0 means closed. */
    private final AtomicInteger refs = new AtomicInteger(1);

    ModelRuntime(
            LoadedModel model,
            ServingConfig config,
            Ticker ticker,
            ServingMetrics.VersionMetrics metrics) {
        this.model = model;
        this.card = model.card();
        this.config = config;
        this.ticker = ticker;
        this.metrics = metrics;
        ai.djl.ndarray.NDManager m;
        try {
            m = model.djlModel().getNDManager();
        } catch (UnsupportedOperationException e) {
            m = null; // not a DJL model: its predictors say why when they are made
        }
        this.djlManager = m;
    }

    /**
     * Returns whether {@code input} can go to this model's predictors as it is (see {@link
     * Tensors#local}).
     */
    boolean local(ai.djl.ndarray.NDList input) {
        return djlManager != null && Tensors.local(input, djlManager);
    }

    /** A runtime with default serving options and {@code workers} workers, without metrics. */
    ModelRuntime(LoadedModel model, int workers) {
        this(
                model,
                ServingConfig.resolve(
                        model.card(),
                        ServingOptions.builder().workers(workers).build(),
                        EngineOptions.defaults(),
                        Runtime.getRuntime().availableProcessors()),
                Ticker.systemTicker(),
                ServingMetrics.NONE.version(model.card()));
    }

    ModelCard card() {
        return card;
    }

    LoadedModel model() {
        return model;
    }

    ServingConfig config() {
        return config;
    }

    ServingMetrics.VersionMetrics metrics() {
        return metrics;
    }

    long sizeBytes() {
        return model.sizeBytes();
    }

    /** Takes a reference; returns false if the runtime is already closed. */
    boolean retain() {
        while (true) {
            int r = refs.get();
            if (r == 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one closes the model (after its workers stop). */
    void release() {
        int r = refs.decrementAndGet();
        if (r == 0) {
            closeNow();
        } else if (r < 0) {
            throw new IllegalStateException("runtime of " + card.ref() + " released too often");
        }
    }

    boolean isClosed() {
        return refs.get() == 0;
    }

    /** Completes once the model is closed. */
    CompletableFuture<Void> closed() {
        return closed;
    }

    /** Returns whether calls are batched now. */
    boolean batching() {
        Batcher b = batcher;
        return b != null ? b.batching() : config.batching();
    }

    /**
     * Starts the workers and waits until they are warmed up, when warm-up is on and the card has an
     * input signature; otherwise does nothing (workers then start with the first call).
     */
    void warmUp() {
        if (config.warmUp() && !card.inputs().isEmpty()) {
            awaitPredictors();
        }
    }

    /** Starts the workers if needed and waits until each has made (and warmed up) its predictor. */
    void awaitPredictors() {
        batcher().ready().join();
    }

    /**
     * Queues a call, or runs it on the calling thread (see {@link Batcher#submit}); the caller's
     * reference on this runtime passes to the call and is released when the call ends. On an
     * exception, the reference stays with the caller.
     *
     * @param callerMayRun whether the caller waits for the result without a deadline, so that the
     *     call may run on its thread
     * @throws OverloadedException if the queue is full
     */
    void submit(Call call, ModelRef via, boolean callerMayRun) {
        Batcher b = batcher();
        // Released before the result completes, so that a caller who sees the result and then
        // closes the service finds no call holding the model.
        call.onEnd(
                failure -> {
                    try {
                        metrics.request(
                                ServingMetrics.Outcome.of(failure),
                                call.shadow(),
                                ticker.read() - call.startedAt());
                    } finally {
                        release();
                    }
                });
        b.submit(call, via, callerMayRun);
    }

    /**
     * Ends {@code call} because its deadline passed, if it has not ended yet; a queued call is
     * removed from the queue and never runs.
     */
    void expire(Call call) {
        int was = end(call);
        if (was >= 0) {
            call.settle(
                    null, Batcher.deadlineExceeded(card, call, ticker.read(), was == Call.RUNNING));
        }
    }

    /** Ends {@code call} as cancelled by its caller, if it has not ended yet. */
    void cancel(Call call) {
        if (end(call) >= 0) {
            call.settle(
                    null,
                    new java.util.concurrent.CancellationException("cancelled by the caller"));
        }
    }

    /**
     * Marks {@code call} ended and takes it out of the queue if it was still there.
     *
     * @return the state it was in, or a negative value if it had already ended
     */
    private int end(Call call) {
        int was = call.end();
        if (was == Call.QUEUED) {
            Batcher b = batcher;
            if (b != null) {
                b.remove(call);
            }
        }
        return was;
    }

    /** Makes waiting workers look at the clock again (tests with a fake ticker). */
    void wakeUp() {
        Batcher b = batcher;
        if (b != null) {
            b.wakeUp();
        }
    }

    /** Returns how many predictors the model has (0 before its workers start). */
    int predictors() {
        Batcher b = batcher;
        return b == null ? 0 : b.predictors();
    }

    int queueDepth() {
        Batcher b = batcher;
        return b == null ? 0 : b.queueDepth();
    }

    /** Runs {@code translator.prepare} once per translator for this model. */
    void prepare(
            ai.djl.translate.Translator<?, ?> translator, ai.djl.translate.TranslatorContext ctx)
            throws Exception {
        if (prepared.contains(translator)) {
            return;
        }
        synchronized (prepared) {
            if (!prepared.contains(translator)) {
                translator.prepare(ctx);
                prepared.add(translator);
            }
        }
    }

    private Batcher batcher() {
        Batcher b = batcher;
        if (b != null) {
            return b;
        }
        synchronized (batcherLock) {
            if (batcher == null) {
                if (closing) {
                    throw new IllegalStateException("model " + card.ref() + " is closed");
                }
                Batcher created = new Batcher(model, config, ticker, metrics, this::closeModel);
                created.start();
                LOG.debug(
                        "{}: {} workers, {}",
                        card.ref(),
                        config.workers(),
                        config.batching()
                                ? "batches of up to " + config.maxBatchSize() + " rows"
                                : "no batching (" + config.whyNotBatching() + ")");
                batcher = created;
            }
            return batcher;
        }
    }

    private void closeNow() {
        LOG.debug("closing {}", card.ref());
        Batcher b;
        synchronized (batcherLock) {
            closing = true;
            b = batcher;
        }
        if (b != null) {
            b.shutdown();
        } else {
            metrics.close();
            closeModel();
        }
    }

    private void closeModel() {
        try {
            model.close();
        } finally {
            closed.complete(null);
        }
    }
}
