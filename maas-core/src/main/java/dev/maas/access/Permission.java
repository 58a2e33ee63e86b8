package dev.maas.access;

/**
 * What a grant allows on a model, each level including the ones before it: {@link #READ} < {@link
 * #USE} < {@link #PUBLISH} < {@link #ADMIN}.
 */
public enum Permission {
    /** See the model: its card, versions, aliases, usage and lineage. */
    READ,
    /** Call it (endpoints, recommenders). */
    USE,
    /**
     * Publish new versions, move aliases, change traffic splits and shadows, deprecate versions.
     */
    PUBLISH,
    /** Grant and revoke rights, decide access requests, set quotas, archive and delete. */
    ADMIN;

    /** Returns whether holding this permission allows what {@code other} allows. */
    public boolean includes(Permission other) {
        return compareTo(other) >= 0;
    }
}
