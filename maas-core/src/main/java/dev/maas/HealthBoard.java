package dev.maas;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * What {@link ModelService#health()} reports: the versions loading or loaded now, and the recent
 * failures. A failure is forgotten when the version later loads, when it no longer exists, after
 * {@link #FAILURE_MEMORY}, or when more than {@link #MAX_FAILURES} newer failures are kept; a
 * request for a version that does not exist is not a failure of a model and is not kept at all.
 * Thread-safe.
 */
final class HealthBoard {
    /** How long a failure stays reported without being asked for again. */
    static final Duration FAILURE_MEMORY = Duration.ofMinutes(15);

    /** At most this many failures are reported; older ones are dropped first. */
    static final int MAX_FAILURES = 64;

    private record Entry(ModelHealth health, long atNanos) {}

    private final Map<ModelRef, Entry> entries = new ConcurrentHashMap<>();
    private final Ticker ticker;
    private final Clock clock;

    HealthBoard(Ticker ticker, Clock clock) {
        this.ticker = ticker;
        this.clock = clock;
    }

    void loading(ModelRef ref) {
        put(ref, ModelHealth.State.LOADING, "");
    }

    /** Marks {@code ref} ready; returns the entry, for {@link #remove} when the model closes. */
    ModelHealth ready(ModelRef ref) {
        return put(ref, ModelHealth.State.READY, "");
    }

    void failed(ModelRef ref, Throwable e) {
        if (e instanceof ModelNotFoundException) {
            entries.remove(ref);
            return;
        }
        put(ref, ModelHealth.State.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
        prune();
    }

    /** Removes {@code health} if it is still the entry of its version. */
    void remove(ModelHealth health) {
        entries.computeIfPresent(health.ref(), (k, e) -> e.health().equals(health) ? null : e);
    }

    /** Forgets a version that was deleted. */
    void forget(ModelRef ref) {
        entries.remove(ref);
    }

    /**
     * Returns the entries sorted by name and version, dropping first the failures of versions for
     * which {@code exists} is false.
     */
    List<ModelHealth> snapshot(Predicate<ModelRef> exists) {
        prune();
        entries.forEach(
                (ref, e) -> {
                    if (e.health().state() == ModelHealth.State.FAILED && !exists.test(ref)) {
                        entries.remove(ref, e);
                    }
                });
        return entries.values().stream()
                .map(Entry::health)
                .sorted(
                        Comparator.comparing((ModelHealth h) -> h.ref().name())
                                .thenComparingInt(h -> h.ref().version()))
                .toList();
    }

    private ModelHealth put(ModelRef ref, ModelHealth.State state, String reason) {
        ModelHealth h = new ModelHealth(ref, state, reason, clock.instant());
        entries.put(ref, new Entry(h, ticker.read()));
        return h;
    }

    /** Drops failures older than {@link #FAILURE_MEMORY}, then all but the newest few. */
    private void prune() {
        long now = ticker.read();
        List<Map.Entry<ModelRef, Entry>> failures =
                entries.entrySet().stream()
                        .filter(e -> e.getValue().health().state() == ModelHealth.State.FAILED)
                        .sorted(Comparator.comparingLong(e -> -e.getValue().atNanos()))
                        .toList();
        for (int i = 0; i < failures.size(); i++) {
            Map.Entry<ModelRef, Entry> f = failures.get(i);
            if (i >= MAX_FAILURES || now - f.getValue().atNanos() > FAILURE_MEMORY.toNanos()) {
                entries.remove(f.getKey(), f.getValue());
            }
        }
    }
}
