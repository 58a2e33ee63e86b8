package dev.maas.access;

import java.time.Instant;
import java.util.Objects;

/**
 * A request for a right on a model, as on gated models of a model hub: a principal asks, for itself
 * or for one of its teams, with a reason; a principal with {@link Permission#ADMIN} on the model
 * approves it (which grants it) or denies it. Immutable.
 *
 * @param id the request's id
 * @param model the model
 * @param grantee who would receive the grant
 * @param requestedBy the principal that asked
 * @param permission the permission asked for
 * @param reason why, in the requester's words
 * @param state pending, approved or denied
 * @param requestedAt when it was asked
 * @param decidedBy who decided, or {@code null} while pending
 * @param decidedAt when, or {@code null} while pending
 * @param note the decider's note, or {@code null}
 */
public record AccessRequest(
        String id,
        String model,
        Grantee grantee,
        String requestedBy,
        Permission permission,
        String reason,
        State state,
        Instant requestedAt,
        String decidedBy,
        Instant decidedAt,
        String note) {
    /** Where a request stands. */
    public enum State {
        /** Waiting for a decision. */
        PENDING,
        /** Approved: the grant was made. */
        APPROVED,
        /** Denied. */
        DENIED
    }

    /** Validates the parts. */
    public AccessRequest {
        Objects.requireNonNull(id, "id");
        dev.maas.ModelRef.checkName(model, "model name");
        Objects.requireNonNull(grantee, "grantee");
        Principal.checkId(requestedBy, "requesting principal id");
        Objects.requireNonNull(permission, "permission");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(requestedAt, "requestedAt");
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("an access request needs a reason");
        }
    }

    /** Returns this request decided. */
    public AccessRequest decided(State state, String by, Instant at, String note) {
        return new AccessRequest(
                id,
                model,
                grantee,
                requestedBy,
                permission,
                reason,
                state,
                requestedAt,
                by,
                at,
                note);
    }
}
