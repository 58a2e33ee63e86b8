package dev.maas.behaviour.features;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One row of features per user, computed at one moment (the cut) from the events before it, with
 * the feature names in column order. Users without any event before the cut have no row.
 *
 * <p>Immutable and thread-safe.
 *
 * @param names the feature names, in column order
 * @param users the user index of each row
 * @param values the rows, {@code users.length * names.size()} values
 * @param cut the moment the features describe, in seconds; no event at or after it was used
 */
public record UserFeatures(List<String> names, int[] users, float[] values, long cut) {
    /** Validates and copies. */
    public UserFeatures {
        names = List.copyOf(names);
        Objects.requireNonNull(users, "users");
        Objects.requireNonNull(values, "values");
        if (values.length != users.length * names.size()) {
            throw new IllegalArgumentException(
                    values.length + " values for " + users.length + " rows of " + names.size());
        }
        users = users.clone();
        values = values.clone();
    }

    /** Returns the number of rows. */
    public int rows() {
        return users.length;
    }

    /** Returns the number of features. */
    public int width() {
        return names.size();
    }

    /** Returns row {@code i}. */
    public float[] row(int i) {
        return Arrays.copyOfRange(values, i * width(), (i + 1) * width());
    }

    /** Returns the row of user {@code user}, or {@code -1} if the user has none. */
    public int rowOf(int user) {
        for (int i = 0; i < users.length; i++) {
            if (users[i] == user) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Puts a row given by name into column order.
     *
     * @throws IllegalArgumentException naming every missing and every unknown feature, or a feature
     *     that is not finite
     */
    public static float[] ordered(List<String> names, Map<String, ? extends Number> byName) {
        List<String> missing = names.stream().filter(n -> !byName.containsKey(n)).toList();
        List<String> unknown =
                byName.keySet().stream().filter(n -> !names.contains(n)).sorted().toList();
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    (missing.isEmpty() ? "" : "missing features " + missing)
                            + (!missing.isEmpty() && !unknown.isEmpty() ? "; " : "")
                            + (unknown.isEmpty() ? "" : "unknown features " + unknown)
                            + "; expected "
                            + names);
        }
        float[] row = new float[names.size()];
        for (int i = 0; i < row.length; i++) {
            Number v = byName.get(names.get(i));
            if (v == null || !Double.isFinite(v.doubleValue())) {
                throw new IllegalArgumentException(
                        "feature '" + names.get(i) + "' is " + v + "; features must be finite");
            }
            row[i] = v.floatValue();
        }
        return row;
    }
}
