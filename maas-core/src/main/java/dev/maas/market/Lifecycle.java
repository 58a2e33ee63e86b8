package dev.maas.market;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a model stands in its life: archived or not (an archived model is hidden from search and
 * cannot be called through a session, and can be restored), and which versions are deprecated, with
 * their messages (deprecated versions still work; callers get a warning once). Immutable.
 *
 * @param archived whether the model is archived
 * @param archivedBy who archived it, or {@code null}
 * @param archivedAt when, or {@code null}
 * @param deprecations deprecation messages by version
 */
public record Lifecycle(
        boolean archived,
        String archivedBy,
        Instant archivedAt,
        Map<Integer, String> deprecations) {
    /** A model that is neither archived nor has deprecated versions. */
    public static final Lifecycle ACTIVE = new Lifecycle(false, null, null, Map.of());

    /** Copies the deprecations. */
    public Lifecycle {
        deprecations =
                Collections.unmodifiableMap(
                        new TreeMap<>(deprecations == null ? Map.of() : deprecations));
    }

    /** Returns whether {@code version} is deprecated. */
    public boolean isDeprecated(int version) {
        return deprecations.containsKey(version);
    }

    Lifecycle withArchived(boolean archived, String by, Instant at) {
        return new Lifecycle(archived, archived ? by : null, archived ? at : null, deprecations);
    }

    Lifecycle withDeprecation(int version, String message) {
        Map<Integer, String> d = new TreeMap<>(deprecations);
        if (message == null) {
            d.remove(version);
        } else {
            d.put(version, message);
        }
        return new Lifecycle(archived, archivedBy, archivedAt, d);
    }
}
