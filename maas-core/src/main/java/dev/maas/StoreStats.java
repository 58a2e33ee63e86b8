package dev.maas;

import java.time.Duration;

/**
 * A snapshot of the model cache's counters since the service started. Immutable.
 *
 * <p>Every model lookup is either a hit or a miss; each miss starts exactly one load, which ends as
 * a success or a failure, so {@code misses == loads + loadFailures} once no load is in progress.
 *
 * @param hits lookups that found the model loaded or being loaded (and waited for that load)
 * @param misses lookups that started a load
 * @param loads loads that succeeded
 * @param loadFailures loads that failed (the model was not cached)
 * @param evictions models the cache removed to respect its weight bound or idle expiry; explicit
 *     removals (a deleted version, a closed service) are not counted
 * @param totalLoadTime time spent in loads, successful or not
 * @param loaded models loaded and cached now (loads in progress are not counted)
 */
public record StoreStats(
        long hits,
        long misses,
        long loads,
        long loadFailures,
        long evictions,
        Duration totalLoadTime,
        long loaded) {}
