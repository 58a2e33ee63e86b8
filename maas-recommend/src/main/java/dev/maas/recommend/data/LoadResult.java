package dev.maas.recommend.data;

import java.util.Objects;

/**
 * What a loader returns: the data and the {@link LoadReport} of how it was read.
 *
 * @param <T> the data: {@link Interactions} or a {@link Split}
 * @param data the loaded data
 * @param report what was read and skipped
 */
public record LoadResult<T>(T data, LoadReport report) {
    /** Checks the arguments. */
    public LoadResult {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(report, "report");
    }
}
