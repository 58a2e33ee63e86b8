package dev.maas.audit;

/**
 * What an {@link AuditEvent} records: the administrative operations of the model marketplace.
 *
 * <p>Constants are stored by name in the audit log, so they are only ever added, never renamed or
 * removed: a log written by one version must stay readable by the next.
 */
public enum AuditAction {
    /** A model version was published. */
    PUBLISH,
    /** A model version, or a whole model, was deleted. */
    DELETE,
    /** An alias was created or moved to another version. */
    ALIAS_SET,
    /** An alias was removed. */
    ALIAS_REMOVE,
    /** A traffic split between versions was set or changed. */
    TRAFFIC_SET,
    /** A traffic split was removed. */
    TRAFFIC_CLEAR,
    /** Access to a model was granted to a principal or team. */
    GRANT,
    /** Access to a model was revoked. */
    REVOKE,
    /** A principal asked for access to a model. */
    ACCESS_REQUEST,
    /** An access request was approved. */
    ACCESS_APPROVE,
    /** An access request was denied. */
    ACCESS_DENY,
    /** A model or version was marked deprecated. */
    DEPRECATE,
    /** A deprecation was withdrawn. */
    UNDEPRECATE,
    /** A model was archived: kept, but no longer offered. */
    ARCHIVE,
    /** An archived model was restored. */
    RESTORE,
    /** A model was forked into a new model. */
    FORK,
    /** A quota was set or changed. */
    QUOTA_SET
}
