package dev.maas.repository;

/**
 * Told of changes to a shared repository as they happen, also of those made by other processes:
 * publishes, alias moves, deletes and document updates. A repository that pushes changes this way
 * lets a {@link dev.maas.ModelService} resolve its references again at once (keeping what it had
 * when the repository cannot answer) instead of waiting for its next {@link
 * dev.maas.ModelService.Builder#resolveRefresh refresh}; the refresh stays as the fallback for
 * changes a repository could not report (a lost connection, for example).
 *
 * <p>Called on a thread of the repository, possibly while another call runs: implementations must
 * be thread-safe, quick and must not throw (an exception is logged and ignored).
 */
@FunctionalInterface
public interface RepositoryListener {
    /**
     * Called after model {@code name} changed, or with {@code null} when any model may have changed
     * (the repository missed changes, for example while it reconnected) or a store-wide document
     * changed.
     */
    void changed(String name);
}
