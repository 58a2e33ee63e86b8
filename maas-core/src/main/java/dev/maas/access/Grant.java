package dev.maas.access;

import java.time.Instant;
import java.util.Objects;

/**
 * A right on one model given to a principal or a team, with its optional quota. Immutable.
 *
 * @param model the model name
 * @param grantee who it is for
 * @param permission what it allows (including the lower levels)
 * @param quota limits on the grantee's calls ({@link Quota#NONE} for none)
 * @param grantedBy the principal that gave it
 * @param grantedAt when
 */
public record Grant(
        String model,
        Grantee grantee,
        Permission permission,
        Quota quota,
        String grantedBy,
        Instant grantedAt) {
    /** Validates the parts. */
    public Grant {
        dev.maas.ModelRef.checkName(model, "model name");
        Objects.requireNonNull(grantee, "grantee");
        Objects.requireNonNull(permission, "permission");
        quota = quota == null ? Quota.NONE : quota;
        Principal.checkId(grantedBy, "granting principal id");
        Objects.requireNonNull(grantedAt, "grantedAt");
    }
}
