package dev.maas.recommend;

import dev.maas.InvalidInputException;

/**
 * Thrown when a call names an item the model does not know (it was not in the model's training
 * catalogue), such as {@link Recommender#similarItems} for a new title. The message names the item,
 * the model version and how many items it knows.
 *
 * <p>Unknown <em>users</em> are not an error: they get popularity-based results, flagged as {@link
 * Recommendations.Source#POPULARITY}.
 */
public class UnknownItemException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final String itemId;

    /** Creates an exception for {@code itemId} with the given message. */
    public UnknownItemException(String itemId, String message) {
        super(message);
        this.itemId = itemId;
    }

    /** Returns the id that was not found. */
    public String itemId() {
        return itemId;
    }
}
