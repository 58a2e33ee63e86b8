package dev.maas;

import java.time.Duration;

/**
 * A snapshot of the model cache's counters since the service started. Immutable.
 *
 * @param hits requests served by an already loaded (or loading) model
 * @param misses requests that started a load
 * @param loads loads that succeeded
 * @param loadFailures loads that failed
 * @param evictions models removed for weight, idleness or deletion
 * @param totalLoadTime time spent loading
 * @param loaded models in the cache now
 */
public record StoreStats(
        long hits,
        long misses,
        long loads,
        long loadFailures,
        long evictions,
        Duration totalLoadTime,
        long loaded) {}
