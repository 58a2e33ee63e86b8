package dev.maas.audit;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The outcome of {@link AuditLog#verify()}: whether the log is intact and, if not, where its chain
 * breaks first.
 *
 * <p>Immutable and thread-safe.
 *
 * @param intact whether every entry is well formed, numbered in order, chained to the one before,
 *     matches its hash, and the log ends where its head says
 * @param entriesChecked how many entries were found sound: all of them when intact, otherwise those
 *     before the problem
 * @param firstBadSequence the sequence number where the chain first breaks (entries before it are
 *     sound): the entry that was edited, the first one missing or out of place, or the first one
 *     removed from the end; empty when intact or when the problem cannot be pinned to one entry (a
 *     head that disagrees with the log in another way)
 * @param line the 1-based line of {@code audit.log} where the problem was found; empty when intact
 *     or when the problem is not on a line (a missing tail, a damaged head)
 * @param problem what is wrong and where, for people, for example {@code "entry 7 (line 7): hash
 *     does not match its content: edited?"}; empty when intact
 */
public record AuditVerification(
        boolean intact,
        long entriesChecked,
        OptionalLong firstBadSequence,
        OptionalLong line,
        String problem) {

    /**
     * Checks the fields.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code entriesChecked} is negative, or an intact result
     *     names a problem, or a broken one names none
     */
    public AuditVerification {
        Objects.requireNonNull(firstBadSequence, "firstBadSequence");
        Objects.requireNonNull(line, "line");
        Objects.requireNonNull(problem, "problem");
        if (entriesChecked < 0) {
            throw new IllegalArgumentException(
                    "entriesChecked must not be negative, was " + entriesChecked);
        }
        if (intact && (!problem.isEmpty() || firstBadSequence.isPresent() || line.isPresent())) {
            throw new IllegalArgumentException("an intact log has no problem: " + problem);
        }
        if (!intact && problem.isBlank()) {
            throw new IllegalArgumentException("a broken log needs a problem that says why");
        }
    }

    /** Returns the result for a sound log of {@code entries} entries. */
    public static AuditVerification ofIntact(long entries) {
        return new AuditVerification(true, entries, OptionalLong.empty(), OptionalLong.empty(), "");
    }

    /**
     * Returns the result for a log whose chain breaks.
     *
     * @param entriesChecked the entries found sound before the problem
     * @param firstBadSequence the first sequence not sound, or 0 if none can be named
     * @param line the line of the problem, or 0 if it is not on a line
     * @param problem what is wrong and where
     */
    public static AuditVerification ofBroken(
            long entriesChecked, long firstBadSequence, long line, String problem) {
        return new AuditVerification(
                false,
                entriesChecked,
                firstBadSequence > 0 ? OptionalLong.of(firstBadSequence) : OptionalLong.empty(),
                line > 0 ? OptionalLong.of(line) : OptionalLong.empty(),
                problem);
    }
}
