package dev.maas.catalog.postgres;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import dev.maas.RepositoryException;
import dev.maas.audit.AuditAction;
import dev.maas.audit.AuditEntry;
import dev.maas.audit.AuditEvent;
import dev.maas.audit.AuditLog;
import dev.maas.audit.AuditVerification;
import java.lang.reflect.Type;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link AuditLog} of a {@link PostgresCatalog}, in its database: one row per entry, numbered
 * and hash-chained exactly as {@link dev.maas.audit.FileAuditLog} defines (the same canonical form
 * and SHA-256 chain), and a head row holding the last entry's sequence and hash. An append locks
 * the head row for its transaction, checks that the last entry agrees with the head, and writes the
 * entry and the new head together, so appenders on every instance interleave into one chain and an
 * append either happens whole or not at all. Times are kept to the microsecond (what PostgreSQL
 * stores).
 *
 * <p>As with the file log, the chain detects an edited, removed, inserted or reordered entry and
 * the head a removed tail; whoever can write the tables can rewrite both consistently. {@link
 * #verify()} reports problems with {@link AuditVerification#line()} empty (rows have no lines).
 *
 * <p>Thread-safe.
 */
public final class PostgresAuditLog implements AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresAuditLog.class);
    private static final Gson GSON = new Gson();
    private static final Type DETAILS = new TypeToken<Map<String, String>>() {}.getType();

    /** Events whose text adds up to more than this are refused, as the file log refuses them. */
    private static final int MAX_EVENT_CHARS = 60 * 1024;

    private static final String COLUMNS =
            "sequence, time, principal, action, model, version, before_value, after_value,"
                    + " details, previous_hash, hash";

    private final PostgresCatalog catalog;
    private final Clock clock;

    PostgresAuditLog(PostgresCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    @Override
    public AuditEntry append(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        String details = GSON.toJson(event.details());
        long size =
                length(event.principal())
                        + length(event.model())
                        + length(event.before())
                        + length(event.after())
                        + details.length();
        if (size > MAX_EVENT_CHARS) {
            throw new IllegalArgumentException(
                    "audit event of "
                            + event.action()
                            + " is too large to store: "
                            + size
                            + " characters, at most "
                            + MAX_EVENT_CHARS);
        }
        return catalog.inTransaction(
                "append to the audit log",
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, ?)"
                                            + " ON CONFLICT DO NOTHING")) {
                        ps.setString(1, AuditEntry.GENESIS_HASH);
                        ps.executeUpdate();
                    }
                    long headSequence;
                    String headHash;
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT sequence, hash FROM audit_head WHERE id = 1"
                                                    + " FOR UPDATE");
                            ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        headSequence = rs.getLong(1);
                        headHash = rs.getString(2);
                    }
                    checkEnd(c, headSequence, headHash);
                    Instant time = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    AuditEntry entry = AuditEntry.chain(headSequence + 1, time, event, headHash);
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "INSERT INTO audit_log ("
                                            + COLUMNS
                                            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                        ps.setLong(1, entry.sequence());
                        ps.setTimestamp(2, Timestamp.from(time));
                        ps.setString(3, event.principal());
                        ps.setString(4, event.action().name());
                        ps.setString(5, event.model());
                        ps.setObject(6, event.version());
                        ps.setString(7, event.before());
                        ps.setString(8, event.after());
                        ps.setString(9, details);
                        ps.setString(10, entry.previousHash());
                        ps.setString(11, entry.hash());
                        ps.executeUpdate();
                    }
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1")) {
                        ps.setLong(1, entry.sequence());
                        ps.setString(2, entry.hash());
                        ps.executeUpdate();
                    }
                    return entry;
                });
    }

    /** Refuses to chain onto a log whose last entry is not the one the head records. */
    private static void checkEnd(Connection c, long headSequence, String headHash)
            throws SQLException {
        try (PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT sequence, hash FROM audit_log ORDER BY sequence DESC"
                                        + " LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            long lastSequence = 0;
            String lastHash = AuditEntry.GENESIS_HASH;
            if (rs.next()) {
                lastSequence = rs.getLong(1);
                lastHash = rs.getString(2);
            }
            if (lastSequence != headSequence || !lastHash.equals(headHash)) {
                throw new RepositoryException(
                        "the audit log's end is damaged: its last entry is "
                                + lastSequence
                                + " but its head records entry "
                                + headSequence
                                + " (or their hashes differ); nothing is chained onto it until a"
                                + " person repairs it (verify() says where)");
            }
        }
    }

    @Override
    public List<AuditEntry> entries() {
        return query("", null);
    }

    @Override
    public List<AuditEntry> forModel(String model) {
        return query(" WHERE model = ?", Objects.requireNonNull(model, "model"));
    }

    @Override
    public List<AuditEntry> forPrincipal(String principal) {
        return query(" WHERE principal = ?", Objects.requireNonNull(principal, "principal"));
    }

    private List<AuditEntry> query(String where, String param) {
        return catalog.inConnection(
                "read the audit log",
                c -> {
                    List<AuditEntry> out = new ArrayList<>();
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT "
                                            + COLUMNS
                                            + " FROM audit_log"
                                            + where
                                            + " ORDER BY sequence")) {
                        if (param != null) {
                            ps.setString(1, param);
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            String skipped = null;
                            while (rs.next()) {
                                try {
                                    out.add(entry(rs));
                                } catch (RuntimeException e) {
                                    if (skipped == null) {
                                        skipped = rs.getLong(1) + " (" + e.getMessage() + ")";
                                    }
                                }
                            }
                            if (skipped != null) {
                                LOG.warn(
                                        "skipped unreadable audit entries, the first: {}", skipped);
                            }
                        }
                    }
                    return out;
                });
    }

    private static AuditEntry entry(ResultSet rs) throws SQLException {
        AuditEvent.Builder b =
                AuditEvent.builder(rs.getString(3), AuditAction.valueOf(rs.getString(4)));
        if (rs.getString(5) != null) {
            b.model(rs.getString(5));
        }
        int version = rs.getInt(6);
        if (!rs.wasNull()) {
            b.version(version);
        }
        b.before(rs.getString(7)).after(rs.getString(8));
        Map<String, String> details = GSON.fromJson(rs.getString(9), DETAILS);
        if (details != null) {
            b.details(details);
        }
        return new AuditEntry(
                rs.getLong(1),
                rs.getTimestamp(2).toInstant(),
                b.build(),
                rs.getString(10),
                rs.getString(11));
    }

    @Override
    public AuditVerification verify() {
        return catalog.inConnection(
                "verify the audit log",
                c -> {
                    long expected = 1;
                    String previous = AuditEntry.GENESIS_HASH;
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT "
                                                    + COLUMNS
                                                    + " FROM audit_log ORDER BY sequence");
                            ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            long sequence = rs.getLong(1);
                            AuditEntry e;
                            try {
                                e = entry(rs);
                            } catch (RuntimeException bad) {
                                return AuditVerification.ofBroken(
                                        expected - 1,
                                        sequence,
                                        0,
                                        "entry " + sequence + " is malformed: " + bad.getMessage());
                            }
                            if (sequence != expected) {
                                return AuditVerification.ofBroken(
                                        expected - 1,
                                        expected,
                                        0,
                                        "entry "
                                                + expected
                                                + " is missing: the next entry is "
                                                + sequence);
                            }
                            if (!e.previousHash().equals(previous)) {
                                return AuditVerification.ofBroken(
                                        expected - 1,
                                        sequence,
                                        0,
                                        "entry "
                                                + sequence
                                                + " is not chained to the entry before: removed or"
                                                + " moved?");
                            }
                            if (!e.hashMatches()) {
                                return AuditVerification.ofBroken(
                                        expected - 1,
                                        sequence,
                                        0,
                                        "entry "
                                                + sequence
                                                + ": hash does not match its content: edited?");
                            }
                            previous = e.hash();
                            expected++;
                        }
                    }
                    long last = expected - 1;
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT sequence, hash FROM audit_head WHERE id = 1");
                            ResultSet rs = ps.executeQuery()) {
                        long headSequence = 0;
                        String headHash = AuditEntry.GENESIS_HASH;
                        if (rs.next()) {
                            headSequence = rs.getLong(1);
                            headHash = rs.getString(2);
                        }
                        if (headSequence != last || !headHash.equals(previous)) {
                            return AuditVerification.ofBroken(
                                    last,
                                    headSequence > last ? last + 1 : 0,
                                    0,
                                    "the head records entry "
                                            + headSequence
                                            + " but the log ends at entry "
                                            + last
                                            + (headSequence > last
                                                    ? ": entries were removed from the end"
                                                    : " (or their hashes differ)"));
                        }
                    }
                    return AuditVerification.ofIntact(last);
                });
    }

    private static long length(String s) {
        return s == null ? 0 : s.length();
    }

    @Override
    public String toString() {
        return "PostgresAuditLog[" + catalog.url() + "]";
    }
}
