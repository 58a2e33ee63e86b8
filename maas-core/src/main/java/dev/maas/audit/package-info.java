/**
 * The audit log of the model marketplace: who published, deleted, moved an alias, changed traffic,
 * granted or revoked access, asked for or decided on access, deprecated, archived, restored, forked
 * or set a quota, when, on which model, and the value before and after.
 *
 * <ul>
 *   <li>{@link dev.maas.audit.AuditEvent}: what a caller records, of an {@link
 *       dev.maas.audit.AuditAction}.
 *   <li>{@link dev.maas.audit.AuditLog}: appends events as numbered, hash-chained {@link
 *       dev.maas.audit.AuditEntry}s, queries them per model and per principal, and verifies the
 *       chain ({@link dev.maas.audit.AuditVerification}).
 *   <li>{@link dev.maas.audit.FileAuditLog}: the log in a folder, durable, safe for several threads
 *       and processes, never following symbolic links; its Javadoc defines the file format and the
 *       hash.
 * </ul>
 *
 * <p>For administrative operations only: an append forces the file to disk and takes a file lock.
 */
package dev.maas.audit;
