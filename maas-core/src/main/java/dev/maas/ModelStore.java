package dev.maas;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded models, cached by exact version: single-flight loading (concurrent requests for a cold
 * model wait on one load), bounded by total weight with least-recently-used eviction, optional idle
 * expiry. An evicted model is closed only after the calls holding it have finished (reference
 * counts on {@link ModelRuntime}).
 *
 * <p>Caffeine provides the single-flight loading, idle expiry and hit/miss statistics. The weight
 * bound is enforced here rather than by Caffeine's {@code maximumWeight}: Caffeine's W-TinyLFU
 * admission refuses a newcomer whose estimated access frequency does not exceed the victim's, which
 * for a handful of heavy entries means a model asked for after two others had filled the cache was
 * loaded, discarded and loaded again on each of its first requests (three loads before it was kept,
 * measured with real PyTorch models). A model load costs seconds, so once paid it is kept: when a
 * load completes, the least recently used <em>other</em> models are evicted until the new one fits.
 *
 * <p>References: the store holds one reference on every runtime it admits and drops it when the
 * entry leaves (evicted, expired, invalidated, the store closed). Each {@link #acquire} adds one
 * for the caller; the caller whose request started a load receives a reference taken inside the
 * load, before anything can evict the new model, so that call is always served.
 *
 * <p>A model heavier than the whole bound is refused with a {@link MaasException} after its load,
 * since it could never be kept.
 *
 * <p>Thread-safe.
 */
final class ModelStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private final AsyncCache<ModelRef, ModelRuntime> cache;
    private final Function<ModelRef, ModelRuntime> loader;
    private final Executor loadExecutor;
    private final long maxWeightBytes;

    /**
     * The runtimes holding the store's reference, by identity (a version evicted while loading
     * again may briefly have two). Whoever removes a runtime from here releases that reference.
     * Compound updates (make room, then admit) are guarded by this map's monitor; single removals
     * are plain concurrent-map operations, so the removal listener never takes the monitor.
     */
    private final Map<ModelRuntime, Admitted> admitted = new ConcurrentHashMap<>();

    /** Orders uses for LRU eviction: no ties, unlike a clock. */
    private final AtomicLong useSequence = new AtomicLong();

    private final LongAdder sizeEvictions = new LongAdder();

    // Counted in the loading thread before the result is published, so a caller that sees a load
    // finish also sees it counted (Caffeine records async loads in a completion callback that may
    // run after the waiters wake up).
    private final LongAdder loads = new LongAdder();

    /** Hits of {@link #acquireIfPresent}, which bypasses the cache's own statistics. */
    private final LongAdder quickHits = new LongAdder();

    private final LongAdder loadFailures = new LongAdder();
    private final LongAdder loadNanos = new LongAdder();

    /**
     * Creates a store.
     *
     * @param maxWeightBytes bound on the summed {@link ModelRuntime#sizeBytes()} of cached models
     * @param expireAfterIdle unload a model not acquired for this long; {@code null} for never
     * @param loadExecutor runs loads, and Caffeine's maintenance and removal notifications
     * @param ticker time source of idle expiry
     * @param loader loads one exact version; returns a runtime holding one (the store's) reference
     */
    ModelStore(
            long maxWeightBytes,
            Duration expireAfterIdle,
            Executor loadExecutor,
            Ticker ticker,
            Function<ModelRef, ModelRuntime> loader) {
        this.loader = loader;
        this.loadExecutor = loadExecutor;
        this.maxWeightBytes = maxWeightBytes;
        Caffeine<ModelRef, ModelRuntime> b =
                Caffeine.newBuilder()
                        .executor(orCaller(loadExecutor))
                        .ticker(ticker)
                        .recordStats()
                        .removalListener(this::onRemoval);
        if (expireAfterIdle != null) {
            b.expireAfterAccess(expireAfterIdle);
            if (ticker == Ticker.systemTicker()) {
                // Without a scheduler, idle models would be unloaded only on the next cache access.
                b.scheduler(Scheduler.systemScheduler());
            }
        }
        this.cache = b.buildAsync();
    }

    /**
     * A load in flight. A failed load completes with {@code null} and keeps its exception here:
     * Caffeine logs every exceptionally completed load as a warning with its stack trace, while a
     * {@code null} value is dropped silently. The caller that asked gets the exception, so a
     * service that reports errors on one line (a command line) is not interleaved with traces.
     */
    private static final class Load extends CompletableFuture<ModelRuntime> {
        private volatile Throwable failure;

        static Load start(java.util.function.Supplier<ModelRuntime> loader, Executor executor) {
            Load load = new Load();
            executor.execute(
                    () -> {
                        ModelRuntime runtime;
                        try {
                            runtime = loader.get();
                        } catch (Throwable t) {
                            load.failure = t;
                            load.complete(null);
                            return;
                        }
                        load.complete(runtime);
                    });
            return load;
        }
    }

    private static void release(ModelRuntime runtime) {
        if (runtime != null) {
            runtime.release();
        }
    }

    /**
     * Returns an executor that runs a task on the calling thread once {@code executor} refuses it
     * (it is shutting down). The cache hands removal notices and maintenance to its executor from
     * whichever thread finishes a load; one that finishes while the service closes must not turn
     * into a logged rejection.
     */
    static Executor orCaller(Executor executor) {
        return task -> {
            try {
                executor.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                task.run();
            }
        };
    }

    /** A runtime holding the store's reference: its weight and when it was last used. */
    private static final class Admitted {
        final ModelRef key;
        final ModelRuntime runtime;
        final long weight;
        volatile long lastUse;

        Admitted(ModelRef key, ModelRuntime runtime, long weight, long lastUse) {
            this.key = key;
            this.runtime = runtime;
            this.weight = weight;
            this.lastUse = lastUse;
        }
    }

    /**
     * Returns the runtime of exactly version {@code key}, loading it if needed, with a reference
     * taken; the caller must {@link ModelRuntime#release()} it.
     *
     * @throws MaasException whatever the load threw (not found, malformed, engine unavailable), or
     *     if the model is heavier than the whole cache
     */
    ModelRuntime acquire(ModelRef key) {
        while (true) {
            boolean[] started = new boolean[1];
            CompletableFuture<ModelRuntime> future =
                    cache.get(
                            key,
                            (k, executor) -> {
                                started[0] = true;
                                return Load.start(() -> load(k), loadExecutor);
                            });
            ModelRuntime runtime;
            try {
                runtime = future.get();
            } catch (ExecutionException | CompletionException e) {
                cache.asMap().remove(key, future);
                throw unwrap(key, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (started[0]) {
                    // Nobody will use the reference the load took for this caller.
                    future.thenAccept(r -> release(r));
                }
                throw new MaasException("interrupted while loading " + key, e);
            }
            if (runtime == null) {
                // Caffeine drops a failed load in a completion callback that may not have run
                // yet; without this, a call made right after the failure could be handed the same
                // failure instead of trying again.
                cache.asMap().remove(key, future);
                throw unwrap(key, ((Load) future).failure);
            }
            if (started[0] || runtime.retain()) {
                Admitted a = admitted.get(runtime);
                if (a != null) {
                    a.lastUse = useSequence.incrementAndGet();
                }
                return runtime;
            }
            // Evicted and closed between the lookup and retain: look again. The next lookup finds
            // a live entry or starts a load whose reference is ours, so this ends.
            LOG.debug("{} was closed before it could be used; looking it up again", key);
        }
    }

    private ModelRuntime load(ModelRef key) {
        long start = System.nanoTime();
        ModelRuntime runtime;
        try {
            runtime = loader.apply(key);
        } catch (RuntimeException | Error e) {
            loadNanos.add(System.nanoTime() - start);
            loadFailures.increment();
            throw e;
        }
        loadNanos.add(System.nanoTime() - start);
        if (runtime.sizeBytes() > maxWeightBytes) {
            loadFailures.increment();
            runtime.release();
            throw new MaasException(
                    "model "
                            + key
                            + " weighs "
                            + runtime.sizeBytes()
                            + " bytes, more than the whole model cache ("
                            + maxWeightBytes
                            + " bytes): raise ModelService.builder().maxCacheBytes(...)");
        }
        loads.increment();
        // The reference of the caller that started the load, taken before anyone can evict it.
        runtime.retain();
        admit(key, runtime);
        return runtime;
    }

    /** Evicts least recently used models until {@code runtime} fits, then admits it. */
    private void admit(ModelRef key, ModelRuntime runtime) {
        long weight = runtime.sizeBytes();
        List<Admitted> victims = new ArrayList<>();
        synchronized (admitted) {
            long total = 0;
            for (Admitted a : admitted.values()) {
                total += a.weight;
            }
            List<Admitted> byAge = new ArrayList<>(admitted.values());
            byAge.sort(Comparator.comparingLong(a -> a.lastUse));
            for (Admitted a : byAge) {
                if (total + weight <= maxWeightBytes) {
                    break;
                }
                if (admitted.remove(a.runtime) != null) {
                    total -= a.weight;
                    victims.add(a);
                }
            }
            admitted.put(
                    runtime, new Admitted(key, runtime, weight, useSequence.incrementAndGet()));
        }
        for (Admitted v : victims) {
            CompletableFuture<ModelRuntime> f = cache.asMap().get(v.key);
            if (f != null && f.getNow(null) == v.runtime) {
                cache.asMap().remove(v.key, f);
            }
            sizeEvictions.increment();
            LOG.debug("evicting {} ({} bytes) to make room for {}", v.key, v.weight, key);
            v.runtime.release();
        }
    }

    /** Drops the store's reference on {@code runtime}, if it still holds one. */
    private void discharge(ModelRef key, ModelRuntime runtime, String why) {
        if (admitted.remove(runtime) != null) {
            LOG.debug("releasing {} ({})", key, why);
            runtime.release();
        }
    }

    private static RuntimeException unwrap(ModelRef key, Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new MaasException("loading " + key + " failed: " + cause, cause);
    }

    /**
     * Returns the runtime of exactly version {@code key} with a reference taken if it is loaded
     * now, else null; never loads. The caller must release what it gets. The fast path of every
     * call: it counts as a hit and a use, like {@link #acquire}.
     */
    ModelRuntime acquireIfPresent(ModelRef key) {
        // asMap().get does not count in the cache statistics: the hit is counted here.
        CompletableFuture<ModelRuntime> f = cache.asMap().get(key);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return null;
        }
        ModelRuntime runtime = f.getNow(null);
        if (runtime == null || !runtime.retain()) {
            return null;
        }
        quickHits.increment();
        Admitted a = admitted.get(runtime);
        if (a != null) {
            a.lastUse = useSequence.incrementAndGet();
        }
        return runtime;
    }

    private void onRemoval(ModelRef key, ModelRuntime runtime, RemovalCause cause) {
        // Only expiry reaches here as an eviction (the weight bound is enforced in admit());
        // explicit removals release in admit(), invalidate() and close().
        if (runtime != null && cause.wasEvicted()) {
            discharge(key, runtime, cause.toString());
        }
    }

    /** Returns the cache's statistics. */
    StoreStats stats() {
        var s = cache.synchronous().stats();
        return new StoreStats(
                s.hitCount() + quickHits.sum(),
                s.missCount(),
                loads.sum(),
                loadFailures.sum(),
                s.evictionCount() + sizeEvictions.sum(),
                Duration.ofNanos(loadNanos.sum()),
                size());
    }

    /** Returns the number of models loaded and cached now (loads in progress not counted). */
    long size() {
        return cache.asMap().values().stream()
                .filter(f -> f.isDone() && !f.isCompletedExceptionally() && f.getNow(null) != null)
                .count();
    }

    /** Returns the summed weight of the models the store holds now. */
    long weightBytes() {
        return admitted.values().stream().mapToLong(a -> a.weight).sum();
    }

    /** Runs pending maintenance (evictions, expiry) now. */
    void cleanUp() {
        cache.synchronous().cleanUp();
    }

    /**
     * Drops {@code key} from the cache and releases the store's reference now: the model closes as
     * soon as the calls holding it have finished. A load in progress is released when it ends.
     */
    void invalidate(ModelRef key) {
        CompletableFuture<ModelRuntime> removed = cache.asMap().remove(key);
        if (removed != null) {
            releaseWhenLoaded(key, removed);
        }
    }

    private void releaseWhenLoaded(ModelRef key, CompletableFuture<ModelRuntime> future) {
        future.whenComplete(
                (runtime, error) -> {
                    if (runtime != null) {
                        discharge(key, runtime, "removed");
                    }
                });
    }

    /** Drops every model; each closes once its calls have finished. Safe to call more than once. */
    @Override
    public void close() {
        for (Map.Entry<ModelRef, CompletableFuture<ModelRuntime>> e :
                List.copyOf(cache.asMap().entrySet())) {
            if (cache.asMap().remove(e.getKey(), e.getValue())) {
                releaseWhenLoaded(e.getKey(), e.getValue());
            }
        }
        cache.synchronous().cleanUp();
    }
}
