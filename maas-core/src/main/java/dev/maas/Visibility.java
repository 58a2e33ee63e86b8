package dev.maas;

/**
 * Who may see and use a model in the marketplace, before any grant: the model's card says it.
 * Grants add to it (a grant of {@code USE} on a {@code RESTRICTED} model); the owner team always
 * has every right.
 */
public enum Visibility {
    /** Listed and usable by every principal of the company. */
    PUBLIC,
    /**
     * Listed (its card can be read) by every principal; calling it needs a grant of {@code USE}.
     */
    RESTRICTED,
    /** Invisible without a grant: to others it does not exist. */
    PRIVATE
}
