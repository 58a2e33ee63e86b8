package dev.maas;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded models, cached by exact version with Caffeine: single-flight loading (concurrent
 * requests for a cold model wait on one load), bounded by total weight, optional idle expiry. An
 * evicted model is closed only after the calls holding it have finished (reference counts on {@link
 * ModelRuntime}).
 *
 * <p>Thread-safe.
 */
final class ModelStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private final AsyncCache<ModelRef, ModelRuntime> cache;
    private final Function<ModelRef, ModelRuntime> loader;
    private final java.util.function.BiConsumer<ModelRef, RemovalCause> removalListener;

    /** Hits of {@link #acquireIfPresent}, which bypasses the cache's own statistics. */
    private final java.util.concurrent.atomic.LongAdder quickHits =
            new java.util.concurrent.atomic.LongAdder();

    ModelStore(
            long maxWeightBytes,
            Duration expireAfterIdle,
            Executor executor,
            Function<ModelRef, ModelRuntime> loader) {
        this(maxWeightBytes, expireAfterIdle, executor, loader, (k, c) -> {});
    }

    /**
     * @param removalListener told of every model that leaves the cache, with the cause
     */
    ModelStore(
            long maxWeightBytes,
            Duration expireAfterIdle,
            Executor executor,
            Function<ModelRef, ModelRuntime> loader,
            java.util.function.BiConsumer<ModelRef, RemovalCause> removalListener) {
        this.loader = loader;
        this.removalListener = removalListener;
        // Weights in KiB: Caffeine weights are ints, models can exceed 2 GiB.
        Caffeine<ModelRef, ModelRuntime> b =
                Caffeine.newBuilder()
                        .executor(executor)
                        .recordStats()
                        .maximumWeight(Math.max(1, maxWeightBytes / 1024))
                        .weigher(
                                (ModelRef k, ModelRuntime v) ->
                                        (int) Math.min(Integer.MAX_VALUE, v.sizeBytes() / 1024 + 1))
                        .removalListener(this::onRemoval);
        if (expireAfterIdle != null) {
            b.expireAfterAccess(expireAfterIdle);
        }
        this.cache = b.buildAsync();
    }

    /**
     * Returns the runtime of exactly version {@code key}, loading it if needed, with a reference
     * taken; the caller must {@link ModelRuntime#release()} it.
     */
    ModelRuntime acquire(ModelRef key) {
        while (true) {
            ModelRuntime runtime;
            try {
                runtime = cache.get(key, loader).get();
            } catch (ExecutionException | CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new MaasException("loading " + key + " failed: " + cause, cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MaasException("interrupted while loading " + key, e);
            }
            if (runtime.retain()) {
                return runtime;
            }
            // Evicted and closed between the lookup and retain: drop the stale entry and retry.
            java.util.concurrent.CompletableFuture<ModelRuntime> stale = cache.getIfPresent(key);
            if (stale != null && stale.getNow(null) == runtime) {
                cache.asMap().remove(key, stale);
            }
        }
    }

    /**
     * Returns the runtime of exactly version {@code key} with a reference taken if it is loaded
     * now, else null (nothing is loaded); the caller must release what it gets.
     */
    ModelRuntime acquireIfPresent(ModelRef key) {
        // asMap().get does not count in the cache statistics (a lookup, not a use).
        java.util.concurrent.CompletableFuture<ModelRuntime> f = cache.asMap().get(key);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return null;
        }
        ModelRuntime runtime = f.getNow(null);
        if (runtime != null && runtime.retain()) {
            quickHits.increment();
            return runtime;
        }
        return null;
    }

    private void onRemoval(ModelRef key, ModelRuntime runtime, RemovalCause cause) {
        if (runtime != null) {
            LOG.debug("releasing {} ({})", key, cause);
            try {
                removalListener.accept(key, cause);
            } finally {
                runtime.release();
            }
        }
    }

    /** Returns the cache's statistics. */
    com.github.benmanes.caffeine.cache.stats.CacheStats stats() {
        return cache.synchronous()
                .stats()
                .plus(
                        com.github.benmanes.caffeine.cache.stats.CacheStats.of(
                                quickHits.sum(), 0, 0, 0, 0, 0, 0));
    }

    /** Returns the number of cached models. */
    long size() {
        return cache.synchronous().estimatedSize();
    }

    /** Runs pending evictions now. */
    void cleanUp() {
        cache.synchronous().cleanUp();
    }

    /** Drops {@code key} from the cache; it closes once its calls finish. */
    void invalidate(ModelRef key) {
        cache.synchronous().invalidate(key);
    }

    @Override
    public void close() {
        cache.synchronous().invalidateAll();
        cache.synchronous().cleanUp();
    }
}
