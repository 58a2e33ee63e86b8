package dev.maas;

import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.maas.repository.ModelRepository;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads what a reference resolves to. A reload (a periodic refresh, or a change the repository
 * reported) that fails because the repository cannot answer keeps the card resolved before, so a
 * repository that goes away does not stop the models already serving; one that finds the reference
 * gone drops it, so the next call reports what is missing.
 */
final class ResolveLoader implements CacheLoader<ModelRef, ModelCard> {
    private static final Logger LOG = LoggerFactory.getLogger(ResolveLoader.class);

    private final ModelRepository repository;

    /** The latest notice of each reference being resolved again after one; see {@link #noticed}. */
    private final Map<ModelRef, Long> pending = new ConcurrentHashMap<>();

    private final AtomicLong notices = new AtomicLong();

    ResolveLoader(ModelRepository repository) {
        this.repository = repository;
    }

    @Override
    public ModelCard load(ModelRef ref) {
        return repository.resolve(ref);
    }

    @Override
    public ModelCard reload(ModelRef ref, ModelCard old) {
        try {
            return repository.resolve(ref);
        } catch (ModelNotFoundException e) {
            return null; // removes the entry: the next call resolves again and says what is missing
        }
    }

    /**
     * Resolves {@code refs} again on {@code executor} because the repository reported a change.
     * Each is read after the notice: never joined to a read already running, which may have begun
     * before the change and would then miss it for good. A reference found gone is dropped from
     * {@code cache}; one the repository cannot answer for keeps its card; a read overtaken by a
     * later notice for the same reference leaves the result to that later read. {@code done} runs
     * after each read.
     */
    void noticed(
            Collection<ModelRef> refs,
            LoadingCache<ModelRef, ModelCard> cache,
            Executor executor,
            Runnable done) {
        for (ModelRef ref : refs) {
            long notice = notices.incrementAndGet();
            pending.put(ref, notice);
            executor.execute(
                    () -> {
                        try {
                            resolveAgain(ref, notice, cache);
                        } finally {
                            pending.remove(ref, notice);
                            done.run();
                        }
                    });
        }
    }

    private void resolveAgain(ModelRef ref, long notice, LoadingCache<ModelRef, ModelCard> cache) {
        ModelCard card;
        try {
            card = reload(ref, null);
        } catch (RuntimeException e) {
            LOG.warn(
                    "cannot resolve {} after a change notice, still serving what it resolved to"
                            + " before: {}",
                    ref,
                    e.getMessage());
            return;
        }
        ModelCard now = card;
        cache.asMap()
                .computeIfPresent(
                        ref, (r, old) -> Objects.equals(pending.get(r), notice) ? now : old);
    }
}
