package dev.maas.audit;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An {@link AuditEvent} as the log stores it: numbered, timed and chained to the entry before.
 *
 * <p>{@code hash} is the SHA-256 of {@code previousHash} and the entry's content (see {@link
 * FileAuditLog} for the exact definition), so changing any field of any entry, or removing or
 * moving one, breaks the chain at that point. Immutable and thread-safe.
 *
 * @param sequence the entry's number: 1 for the first, each next one 1 more
 * @param time when the entry was appended, read from the log's clock
 * @param event what was recorded
 * @param previousHash the hash of the entry before, or {@link #GENESIS_HASH} for the first
 * @param hash this entry's hash, 64 lowercase hexadecimal digits
 */
public record AuditEntry(
        long sequence, Instant time, AuditEvent event, String previousHash, String hash) {

    /** The previous hash of the first entry: 64 zeros. */
    public static final String GENESIS_HASH = "0".repeat(64);

    private static final Pattern HEX_256 = Pattern.compile("[0-9a-f]{64}");

    /**
     * Checks the fields.
     *
     * @throws NullPointerException if {@code time}, {@code event} or a hash is null
     * @throws IllegalArgumentException if {@code sequence} is below 1 or a hash is not 64 lowercase
     *     hexadecimal digits
     */
    public AuditEntry {
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be 1 or more, was " + sequence);
        }
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(event, "event");
        checkHash(previousHash, "previousHash");
        checkHash(hash, "hash");
    }

    /**
     * Returns the entry for {@code event}, numbered {@code sequence}, timed {@code time} and
     * chained after the entry whose hash is {@code previousHash}, its hash computed as {@link
     * FileAuditLog} defines it; for audit logs kept elsewhere than in files.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException as the constructor
     */
    public static AuditEntry chain(
            long sequence, Instant time, AuditEvent event, String previousHash) {
        checkHash(previousHash, "previousHash");
        return AuditCodec.seal(sequence, Objects.requireNonNull(time, "time"), event, previousHash);
    }

    /** Returns whether {@link #hash()} is the hash of {@link #previousHash()} and the content. */
    public boolean hashMatches() {
        return AuditCodec.hashMatches(this);
    }

    private static void checkHash(String hash, String field) {
        Objects.requireNonNull(hash, field);
        if (!HEX_256.matcher(hash).matches()) {
            throw new IllegalArgumentException(
                    field + " must be 64 lowercase hexadecimal digits, was '" + hash + "'");
        }
    }
}
