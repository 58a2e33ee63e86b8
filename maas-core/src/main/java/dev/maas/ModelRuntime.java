package dev.maas;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.translate.TranslateException;
import dev.maas.spi.LoadedModel;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model version and what serves it: a pool of predictors (a DJL {@link Predictor} is not
 * thread-safe, so each is used by one thread at a time) and a reference count, so that the model is
 * closed only after the last call holding it has finished.
 *
 * <p>Thread-safe.
 */
final class ModelRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRuntime.class);

    private final LoadedModel model;
    private final ModelCard card;
    private final BlockingQueue<Predictor<NDList, NDList>> idle;
    private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> all =
            new ConcurrentLinkedQueue<>();
    private final AtomicInteger created = new AtomicInteger();
    private final int maxPredictors;
    private final java.util.Set<Object> prepared =
            java.util.Collections.newSetFromMap(new java.util.concurrent.ConcurrentHashMap<>());

    /** One reference for the store, one per call in flight; 0 means closed. */
    private final AtomicInteger refs = new AtomicInteger(1);

    ModelRuntime(LoadedModel model, int maxPredictors) {
        this.model = model;
        this.card = model.card();
        this.maxPredictors = maxPredictors;
        this.idle = new ArrayBlockingQueue<>(maxPredictors);
    }

    ModelCard card() {
        return card;
    }

    LoadedModel model() {
        return model;
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

    /** Drops a reference; the last one closes the model. */
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

    /** Runs the model on {@code input}; the caller holds a reference. */
    NDList predict(NDList input) {
        Signatures.checkInputs(card, input);
        NDManager caller = input.get(0).getManager();
        Predictor<NDList, NDList> predictor = borrow();
        // Eager engines (PyTorch running a DJL block) attach every intermediate result to the
        // manager of the first input, which is the caller's: the scope closes all arrays made
        // during the call except the outputs handed over.
        try (NDManager request = model.djlModel().getNDManager().newSubManager();
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList engineInput = new NDList(input.size());
            for (NDArray a : input) {
                NDArray converted = request.from(a);
                if (converted != a) {
                    converted.setName(a.getName());
                }
                engineInput.add(converted);
            }
            NDList output = predictor.predict(engineInput);
            NDList result = Signatures.handOver(output, caller);
            NDScope.unregister(result);
            return result;
        } catch (TranslateException | RuntimeException e) {
            throw Signatures.engineFailure(card, e);
        } finally {
            idle.offer(predictor);
        }
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

    private Predictor<NDList, NDList> borrow() {
        Predictor<NDList, NDList> p = idle.poll();
        if (p != null) {
            return p;
        }
        if (created.incrementAndGet() <= maxPredictors) {
            p = model.newPredictor();
            all.add(p);
            return p;
        }
        created.decrementAndGet();
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MaasException(
                    "interrupted while waiting for a predictor of " + card.ref(), e);
        }
    }

    private void closeNow() {
        LOG.debug("closing {}", card.ref());
        for (Predictor<NDList, NDList> p : List.copyOf(all)) {
            p.close();
        }
        model.close();
    }
}
