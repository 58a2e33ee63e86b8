package dev.maas;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded models, cached by exact version with Caffeine: single-flight loading (concurrent
 * requests for a cold model wait on one load), bounded by total weight, optional idle expiry. An
 * evicted model is closed only after the calls holding it have finished (reference counts on {@link
 * ModelRuntime}).
 *
 * <p>References: the store holds one reference on every runtime it caches and drops it when the
 * entry leaves the cache (evicted, expired, invalidated, or the store closed). Each {@link
 * #acquire} adds one for the caller. The caller whose request started a load receives a reference
 * taken before the load's result is published, so a model that the cache evicts the moment it
 * arrives (W-TinyLFU can refuse a newcomer, see {@link ModelService}) still serves that call and is
 * closed after it, instead of being loaded again.
 *
 * <p>Weights are kept in KiB (Caffeine weights are {@code int}s; models can exceed 2 GiB), rounded
 * up. A model heavier than the whole bound is refused with a {@link MaasException} after its load,
 * since the cache could never keep it.
 *
 * <p>Thread-safe.
 */
final class ModelStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private final AsyncCache<ModelRef, ModelRuntime> cache;
    private final Function<ModelRef, ModelRuntime> loader;
    private final Executor loadExecutor;
    private final long maxWeightBytes;

    // Counted in the loading thread before the result is published, so a caller that sees a load
    // finish also sees it counted (Caffeine records async loads in a completion callback that may
    // run after the waiters wake up).
    private final LongAdder loads = new LongAdder();
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
                        .executor(loadExecutor)
                        .ticker(ticker)
                        .recordStats()
                        .maximumWeight(Math.max(1, maxWeightBytes / 1024))
                        .weigher((ModelRef k, ModelRuntime v) -> weightKiB(v.sizeBytes()))
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

    private static int weightKiB(long bytes) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (bytes + 1023) / 1024));
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
                                return CompletableFuture.supplyAsync(() -> load(k), loadExecutor);
                            });
            ModelRuntime runtime;
            try {
                runtime = future.get();
            } catch (ExecutionException | CompletionException e) {
                throw unwrap(key, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (started[0]) {
                    // Nobody will use the reference the load took for this caller.
                    future.thenAccept(ModelRuntime::release);
                }
                throw new MaasException("interrupted while loading " + key, e);
            }
            if (started[0] || runtime.retain()) {
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
        return runtime;
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

    private void onRemoval(ModelRef key, ModelRuntime runtime, RemovalCause cause) {
        // Explicit removals release in invalidate()/close(), at once and on the caller's thread.
        if (runtime != null && cause.wasEvicted()) {
            LOG.debug("releasing {} ({})", key, cause);
            runtime.release();
        }
    }

    /** Returns the cache's statistics. */
    StoreStats stats() {
        var s = cache.synchronous().stats();
        return new StoreStats(
                s.hitCount(),
                s.missCount(),
                loads.sum(),
                loadFailures.sum(),
                s.evictionCount(),
                Duration.ofNanos(loadNanos.sum()),
                size());
    }

    /** Returns the number of models loaded and cached now (loads in progress not counted). */
    long size() {
        return cache.asMap().values().stream()
                .filter(f -> f.isDone() && !f.isCompletedExceptionally())
                .count();
    }

    /** Returns the versions cached now, loads in progress included. */
    List<ModelRef> keys() {
        return List.copyOf(cache.asMap().keySet());
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

    private static void releaseWhenLoaded(ModelRef key, CompletableFuture<ModelRuntime> future) {
        future.whenComplete(
                (runtime, error) -> {
                    if (runtime != null) {
                        LOG.debug("releasing {} (removed)", key);
                        runtime.release();
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
