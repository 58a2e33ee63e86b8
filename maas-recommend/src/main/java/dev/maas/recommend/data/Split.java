package dev.maas.recommend.data;

import java.util.Objects;

/**
 * A training set and a test set over the same user and item index spaces.
 *
 * <p>Immutable and thread-safe.
 *
 * @param train the rows a model may learn from
 * @param test the held-out rows it is judged on
 */
public record Split(Interactions train, Interactions test) {

    /**
     * Checks that both sets share one index space.
     *
     * @throws IllegalArgumentException if the sets use different id maps
     */
    public Split {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (!train.sharesIndexWith(test)) {
            throw new IllegalArgumentException(
                    "train and test must share user and item id maps (make them with Splits or"
                            + " Interactions.select)");
        }
    }
}
