package dev.maas.repository;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import java.util.Objects;

/**
 * One version of a model as {@link ModelRepository#listing(String)} finds it: its card, or why the
 * card cannot be used (missing, unreadable, not a regular file). A listing reports a broken version
 * instead of failing, so that one tampered folder does not hide the others. Immutable.
 *
 * @param version the version number
 * @param card the card, or {@code null} when the version is broken
 * @param problem why the version cannot be used, or {@code null} when it is readable
 */
public record ListedVersion(int version, ModelCard card, String problem) {
    /**
     * Validates that exactly one of card and problem is given.
     *
     * @throws IllegalArgumentException if both or neither are given, or the version is out of range
     */
    public ListedVersion {
        ModelRef.checkVersion(version, 1);
        if ((card == null) == (problem == null)) {
            throw new IllegalArgumentException(
                    "a listed version has either a card or a problem, not "
                            + (card == null ? "neither" : "both"));
        }
    }

    /** Returns a readable version. */
    public static ListedVersion of(ModelCard card) {
        return new ListedVersion(Objects.requireNonNull(card, "card").version(), card, null);
    }

    /** Returns a broken version and why. */
    public static ListedVersion broken(int version, String problem) {
        return new ListedVersion(version, null, Objects.requireNonNull(problem, "problem"));
    }

    /** Returns whether the version's card could be read. */
    public boolean isReadable() {
        return card != null;
    }
}
