package dev.maas.access;

import dev.maas.ModelRef;
import dev.maas.Visibility;
import java.util.List;
import java.util.Objects;

/**
 * What an {@link AccessPolicy} knows of a model when it decides: its name, owner team, visibility
 * (both from its latest card) and its grants. Immutable.
 *
 * @param name the model name
 * @param owner the owner team, or {@code null} if the card names none
 * @param visibility the visibility of its latest version
 * @param grants the grants on it
 */
public record ModelAccess(String name, String owner, Visibility visibility, List<Grant> grants) {
    /** Validates and copies. */
    public ModelAccess {
        ModelRef.checkName(name, "model name");
        Objects.requireNonNull(visibility, "visibility");
        grants = List.copyOf(grants);
    }
}
