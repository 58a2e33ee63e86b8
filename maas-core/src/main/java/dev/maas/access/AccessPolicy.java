package dev.maas.access;

/**
 * Decides what a principal may do on a model: the one place access is decided, so that a company
 * can put its own rules here (groups from its directory service, an IAM service). {@link #DEFAULT}
 * applies ownership, visibility and the grants stored in the repository. Implementations must be
 * thread-safe and fast: the decision is asked for when an endpoint is opened and re-checked about
 * once a second while it is used.
 */
public interface AccessPolicy {
    /**
     * The default rules: the owner team has {@link Permission#ADMIN}; grants naming the principal
     * or one of its teams give their permission; a {@code PUBLIC} model may be used ({@link
     * Permission#USE}) and a {@code RESTRICTED} one read ({@link Permission#READ}) by everyone; a
     * {@code PRIVATE} model gives nothing without a grant. The highest of these wins.
     */
    AccessPolicy DEFAULT = new GrantPolicy();

    /**
     * Returns the highest permission {@code who} has on {@code model}, or {@code null} if it may
     * not even see it.
     */
    Permission permission(Principal who, ModelAccess model);
}
