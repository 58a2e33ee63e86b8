package dev.maas.audit;

import java.util.List;
import java.util.Objects;

/**
 * An append-only, hash-chained record of the marketplace's administrative operations: publishes,
 * alias and traffic changes, grants, access requests and decisions, deprecations, archives and
 * deletes.
 *
 * <p>Entries are numbered from 1 in the order they were appended, each chained to the one before by
 * its hash, so {@link #verify()} detects an entry that was edited, removed or moved. Meant for
 * administrative operations (a few per second at most), not for per-request work.
 *
 * <p>Implementations are thread-safe.
 */
public interface AuditLog {

    /**
     * Records {@code event} durably as the next entry, timed by the log's clock, and returns the
     * entry as stored. When this returns, the entry survives a crash.
     *
     * @throws NullPointerException if {@code event} is null
     * @throws IllegalArgumentException if the event is too large to store
     * @throws dev.maas.RepositoryException if the log cannot be written, or its end is damaged (new
     *     entries are never chained onto a log whose last entry or head is not sound)
     */
    AuditEntry append(AuditEvent event);

    /**
     * Returns every entry, oldest first.
     *
     * @throws dev.maas.RepositoryException if the log cannot be read
     */
    List<AuditEntry> entries();

    /**
     * Returns the entries about {@code model} (exact name), oldest first.
     *
     * @throws NullPointerException if {@code model} is null
     * @throws dev.maas.RepositoryException if the log cannot be read
     */
    default List<AuditEntry> forModel(String model) {
        Objects.requireNonNull(model, "model");
        return entries().stream().filter(e -> model.equals(e.event().model())).toList();
    }

    /**
     * Returns the entries recorded by {@code principal} (exact id), oldest first.
     *
     * @throws NullPointerException if {@code principal} is null
     * @throws dev.maas.RepositoryException if the log cannot be read
     */
    default List<AuditEntry> forPrincipal(String principal) {
        Objects.requireNonNull(principal, "principal");
        return entries().stream().filter(e -> principal.equals(e.event().principal())).toList();
    }

    /**
     * Checks the whole log: every entry well formed, numbered 1, 2, 3 ... in order, chained to the
     * one before, matching its hash, and the log ending where its head records. Stops at the first
     * problem and says where it is.
     *
     * @throws dev.maas.RepositoryException if the log cannot be read at all (I/O failure, a
     *     symbolic link); damage to its content is reported in the result, not thrown
     */
    AuditVerification verify();
}
