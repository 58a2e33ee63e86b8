package dev.maas.catalog;

import dev.maas.ModelRef;
import dev.maas.access.Principal;
import java.time.LocalDate;
import java.util.Objects;

/**
 * A count of calls to one version of a model by one principal on one day, as {@link
 * UsageRecorder#drain()} hands them out for persisting and {@link UsageRecorder#merge} takes them
 * back. Immutable.
 *
 * @param model the model's name
 * @param version the version called (1 to {@value ModelRef#MAX_VERSION})
 * @param principal the calling principal's id
 * @param day the day of the calls, in the recorder's clock's time zone
 * @param count how many calls (at least 0)
 */
public record UsageRow(String model, int version, String principal, LocalDate day, long count) {
    /**
     * Validates the parts.
     *
     * @throws IllegalArgumentException if the name, version or principal id is malformed, or the
     *     count is negative
     */
    public UsageRow {
        ModelRef.checkName(model, "model name");
        ModelRef.checkVersion(version, 1);
        Principal.checkId(principal, "principal id");
        Objects.requireNonNull(day, "day");
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
    }
}
