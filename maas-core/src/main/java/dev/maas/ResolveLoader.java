package dev.maas;

import com.github.benmanes.caffeine.cache.CacheLoader;
import dev.maas.repository.ModelRepository;

/**
 * Loads what a reference resolves to. A reload (a periodic refresh, or a change the repository
 * reported) that fails because the repository cannot answer keeps the card resolved before, so a
 * repository that goes away does not stop the models already serving; one that finds the reference
 * gone drops it, so the next call reports what is missing.
 */
final class ResolveLoader implements CacheLoader<ModelRef, ModelCard> {
    private final ModelRepository repository;

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
}
