package dev.maas.audit;

import dev.maas.RepositoryException;
import dev.maas.audit.AuditCodec.FormatException;
import dev.maas.audit.AuditCodec.Head;
import dev.maas.repository.StoragePermissions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AuditLog} kept in a folder of the local file system, for example a model repository's
 * {@code <root>/audit}.
 *
 * <h2>Files</h2>
 *
 * <ul>
 *   <li>{@code audit.log}: one entry per line, UTF-8, each line ended by a line feed, appended and
 *       forced to disk ({@code fsync}) before {@link #append} returns.
 *   <li>{@code head}: the sequence and hash of the last entry, {@code {"sequence":12,"hash":"…"}},
 *       replaced atomically (temporary file, {@code fsync}, rename) after each append, so that
 *       entries cut from the end of the log are detected.
 *   <li>{@code .lock}: empty; appenders hold an exclusive {@link FileLock} on it.
 * </ul>
 *
 * <h2>Entry format and hash</h2>
 *
 * The <em>canonical serialisation</em> of an entry is the JSON object
 *
 * <pre>{@code
 * {"sequence":7,"time":"2025-03-01T10:15:30Z","principal":"alice","action":"ALIAS_SET",
 *  "model":"ranker","version":4,"before":"3","after":"4","details":{"reason":"a/b won"}}
 * }</pre>
 *
 * (on one line) with exactly these keys in exactly this order and no white space: {@code sequence}
 * in decimal; {@code time} as {@link Instant#toString()} (ISO-8601, UTC); {@code action} as the
 * {@link AuditAction} constant's name; {@code model}, {@code before} and {@code after} as strings
 * or {@code null}; {@code version} as a decimal number or {@code null}; {@code details} as an
 * object whose keys are sorted by {@link String#compareTo}. Strings are written between double
 * quotes with {@code "} and {@code \} escaped by a backslash, characters below U+0020 and unpaired
 * surrogates escaped as {@code \}{@code u} and four lowercase hexadecimal digits, and every other
 * character as itself.
 *
 * <p>An entry's {@code hash} is the SHA-256, as 64 lowercase hexadecimal digits, of the UTF-8 bytes
 * of: the previous entry's hash, one line feed, and the canonical serialisation. The first entry's
 * previous hash is {@link AuditEntry#GENESIS_HASH} (64 zeros). The stored line is the canonical
 * serialisation with {@code ,"previousHash":"…","hash":"…"} inserted before its closing brace.
 * {@link #verify()} re-derives the canonical form from each parsed line, checks the hash, and
 * checks that the line is byte for byte the form this class writes, so a reformatted line or an
 * added field is reported too.
 *
 * <h2>Integrity and crashes</h2>
 *
 * The hash chain detects an edited, removed, inserted or reordered entry; the head detects entries
 * cut from the end. Neither is a signature: whoever can write the folder can rewrite the whole
 * chain and head consistently. An append writes the log line, forces it to disk, then replaces the
 * head, so a crash between the two leaves the log exactly one entry ahead of the head, chained to
 * it. That state is not damage: {@link #verify()} reports it intact and the next append first
 * brings the head up to date. Every other disagreement, and a last line that is not a sound entry
 * (for example one cut short by a crash while it was written), makes {@link #append} refuse with a
 * {@link RepositoryException} naming the problem, so that nothing is chained onto a log whose end
 * is in doubt; {@link #verify()} says where the damage is, and a person repairs the file.
 *
 * <h2>Queries</h2>
 *
 * {@link #entries()}, {@link #forModel} and {@link #forPrincipal} return every line that parses as
 * an entry, in file order, and skip the others with one slf4j warning that names the first skipped
 * line. They do not check hashes or the chain: an audit log is needed most when something went
 * wrong, so a damaged line does not hide the rest; call {@link #verify()} to know whether to trust
 * what they return.
 *
 * <h2>Files on disk</h2>
 *
 * Opening a log creates nothing: the folder (and missing parents) and files are created by the
 * first append. Reading a folder that does not exist gives no entries and an intact verification.
 * New folders get {@link #OWNER_ONLY} ({@code 0700}) and new files {@code 0600}, set explicitly
 * after creation whatever the umask, unless other permissions are given; this is skipped on file
 * systems without POSIX permissions. Symbolic links are never followed: if the folder itself,
 * {@code audit.log}, {@code head} or {@code .lock} is a link, every operation refuses with a {@link
 * RepositoryException} naming it, and the link's target is left untouched. Only regular files are
 * read.
 *
 * <h2>Concurrency</h2>
 *
 * Thread-safe, and safe for several processes sharing the folder on a local file system. Every
 * operation runs under an in-process lock per folder (shared by all instances in the JVM) and an
 * exclusive {@link FileLock} on {@code .lock}; each append re-reads the head and the log's last
 * line under those locks, so appenders in different processes interleave into one chain. Readers
 * take the same locks so that they never see an append half done; where the folder is read-only to
 * them they read without the file lock. Meant for administrative operations (a few per second);
 * {@link #verify()} and the queries read the whole file while holding the lock.
 */
public final class FileAuditLog implements AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);

    /** The name of the entries file in the folder. */
    public static final String LOG_FILE = "audit.log";

    /** The name of the head file in the folder. */
    public static final String HEAD_FILE = "head";

    /** The name of the lock file in the folder. */
    public static final String LOCK_FILE = ".lock";

    /** Folder permissions {@code rwx------}, the default; files get {@code rw-------}. */
    public static final Set<PosixFilePermission> OWNER_ONLY = StoragePermissions.OWNER_ONLY;

    private static final String TMP_PREFIX = ".head-";
    private static final String TMP_SUFFIX = ".tmp";
    private static final LinkOption[] NO_FOLLOW = {LinkOption.NOFOLLOW_LINKS};

    /**
     * One in-process lock per folder (by real path): {@link FileLock}s are held per JVM, so two
     * instances on one folder must not both ask for one.
     */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS =
            new ConcurrentHashMap<>();

    private final Path folder;
    private final Path logFile;
    private final Path headFile;
    private final Path lockFile;
    private final Clock clock;

    /** Permissions of new folders and files; null where the file system has no POSIX modes. */
    private final Set<PosixFilePermission> folderPermissions;

    private final Set<PosixFilePermission> filePermissions;

    /**
     * Opens the log kept in {@code folder}, timed by the system clock in UTC, creating nothing
     * until the first append.
     *
     * @throws NullPointerException if {@code folder} is null
     * @throws RepositoryException if {@code folder} is a symbolic link or exists and is not a
     *     folder
     */
    public FileAuditLog(Path folder) {
        this(folder, Clock.systemUTC());
    }

    /**
     * Opens the log kept in {@code folder}, whose entries are timed by {@code clock}; see {@link
     * #FileAuditLog(Path)}.
     *
     * @throws NullPointerException if an argument is null
     * @throws RepositoryException as {@link #FileAuditLog(Path)}
     */
    public FileAuditLog(Path folder, Clock clock) {
        this(folder, clock, OWNER_ONLY);
    }

    /**
     * Opens a log that creates its folders with {@code folderPermissions} and its files with the
     * same permissions less the execute bits, for example {@code
     * PosixFilePermissions.fromString("rwxrwx---")} for a log a group shares. Ignored on file
     * systems without POSIX permissions.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the owner could not read, write and enter the folder
     * @throws RepositoryException as {@link #FileAuditLog(Path)}
     */
    public FileAuditLog(Path folder, Clock clock, Set<PosixFilePermission> folderPermissions) {
        this.folder = Objects.requireNonNull(folder, "folder").toAbsolutePath().normalize();
        this.clock = Objects.requireNonNull(clock, "clock");
        StoragePermissions.checkFolderPermissions(folderPermissions);
        this.logFile = this.folder.resolve(LOG_FILE);
        this.headFile = this.folder.resolve(HEAD_FILE);
        this.lockFile = this.folder.resolve(LOCK_FILE);
        if (this.folder.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            this.folderPermissions = Set.copyOf(folderPermissions);
            this.filePermissions = StoragePermissions.filePermissions(folderPermissions);
        } else {
            this.folderPermissions = null;
            this.filePermissions = null;
        }
        try {
            checkFolder();
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot open audit log " + this.folder + ": " + describe(e), e);
        }
    }

    /** Returns the folder that holds the log. */
    public Path folder() {
        return folder;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The entry is forced to disk before this returns. If the head cannot be replaced
     * afterwards, the entry still counts (it is in the log, and the next append repairs the head):
     * this returns normally and logs a warning.
     *
     * @throws IllegalArgumentException if the entry's line would exceed 64 KiB
     */
    @Override
    public AuditEntry append(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        try {
            AuditEntry entry = withLock(true, () -> appendLocked(event));
            LOG.debug(
                    "audit {} #{}: {} by {} on {}",
                    folder,
                    entry.sequence(),
                    event.action(),
                    event.principal(),
                    event.model());
            return entry;
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot append to audit log " + logFile + ": " + describe(e), e);
        }
    }

    /** {@inheritDoc} */
    @Override
    public List<AuditEntry> entries() {
        return query(e -> true);
    }

    /** {@inheritDoc} */
    @Override
    public List<AuditEntry> forModel(String model) {
        Objects.requireNonNull(model, "model");
        return query(e -> model.equals(e.event().model()));
    }

    /** {@inheritDoc} */
    @Override
    public List<AuditEntry> forPrincipal(String principal) {
        Objects.requireNonNull(principal, "principal");
        return query(e -> principal.equals(e.event().principal()));
    }

    /** {@inheritDoc} */
    @Override
    public AuditVerification verify() {
        try {
            return withLock(false, this::verifyLocked);
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot verify audit log " + logFile + ": " + describe(e), e);
        }
    }

    /** Returns a description that names the folder. */
    @Override
    public String toString() {
        return "FileAuditLog[" + folder + "]";
    }

    // ---- append ------------------------------------------------------------------------------

    private AuditEntry appendLocked(AuditEvent event) throws IOException {
        removeAbandonedTemporaries();
        Head head;
        try {
            head = readHead();
        } catch (HeadFormatException e) {
            throw damaged(e.getMessage());
        }
        AuditEntry last = readLastEntry();
        Problem disagreement = headProblem(head, last);
        if (disagreement != null) {
            throw damaged(disagreement.text());
        }
        if (last != null && (head == null || head.sequence() < last.sequence())) {
            LOG.warn(
                    "audit log {}: the head was one entry behind (an append was interrupted after"
                            + " writing entry {}); bringing it up to date",
                    folder,
                    last.sequence());
            writeHead(last);
        }
        long sequence = last == null ? 1 : last.sequence() + 1;
        String previousHash = last == null ? AuditEntry.GENESIS_HASH : last.hash();
        Instant time = Objects.requireNonNull(clock.instant(), "clock.instant()");
        AuditEntry entry = AuditCodec.seal(sequence, time, event, previousHash);
        byte[] line = (AuditCodec.line(entry) + "\n").getBytes(StandardCharsets.UTF_8);
        if (line.length - 1 > AuditCodec.MAX_LINE_BYTES) {
            throw new IllegalArgumentException(
                    "audit event too large: its entry would take "
                            + (line.length - 1)
                            + " bytes, at most "
                            + AuditCodec.MAX_LINE_BYTES
                            + " are allowed");
        }
        appendLine(line);
        try {
            writeHead(entry);
        } catch (IOException e) {
            LOG.warn(
                    "audit log {}: entry {} was recorded but the head could not be updated ({});"
                            + " the next append will update it",
                    folder,
                    sequence,
                    describe(e));
        }
        return entry;
    }

    /**
     * Appends {@code line} to the log and forces it to disk; on failure, cuts off what was written.
     */
    private void appendLine(byte[] line) throws IOException {
        boolean created = checkedAttributes(logFile) == null;
        try (FileChannel ch =
                created
                        ? createFile(logFile, StandardOpenOption.APPEND)
                        : FileChannel.open(
                                logFile,
                                StandardOpenOption.WRITE,
                                StandardOpenOption.APPEND,
                                LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            try {
                writeFully(ch, line);
                ch.force(true);
            } catch (IOException e) {
                try {
                    ch.truncate(size);
                    ch.force(true);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
        if (created) {
            fsyncFolder();
        }
    }

    /** Replaces the head atomically with one recording {@code last}. */
    private void writeHead(AuditEntry last) throws IOException {
        Path tmp = folder.resolve(TMP_PREFIX + UUID.randomUUID() + TMP_SUFFIX);
        try {
            try (FileChannel ch = createFile(tmp)) {
                writeFully(ch, AuditCodec.head(last).getBytes(StandardCharsets.US_ASCII));
                ch.force(true);
            }
            try {
                // A rename replaces a link that appeared at the head since it was checked, rather
                // than writing through it.
                Files.move(
                        tmp,
                        headFile,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system cannot rename atomically: " + headFile, e);
            }
            fsyncFolder();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes head temporaries a crashed appender left: under the lock none is in use. */
    private void removeAbandonedTemporaries() {
        try (DirectoryStream<Path> tmps =
                Files.newDirectoryStream(folder, TMP_PREFIX + "*" + TMP_SUFFIX)) {
            for (Path tmp : tmps) {
                LOG.info("removing {}, left by an interrupted append", tmp);
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            LOG.warn("cannot clean {}: {}", folder, describe(e));
        }
    }

    private RepositoryException damaged(String problem) {
        return new RepositoryException(
                "audit log "
                        + logFile
                        + " is damaged, refusing to append: "
                        + problem
                        + " (verify() reports the first problem; repair the files before"
                        + " appending)");
    }

    /**
     * Reads the log's last entry, checking it is whole and sound; returns null if the log is absent
     * or empty.
     *
     * @throws RepositoryException if the last line is not a sound entry
     */
    private AuditEntry readLastEntry() throws IOException {
        if (checkedAttributes(logFile) == null) {
            return null;
        }
        LogLines.Last last;
        try (FileChannel ch =
                FileChannel.open(logFile, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            last = LogLines.last(ch);
        }
        if (last == null) {
            return null;
        }
        if (!last.terminated()) {
            throw damaged(
                    "the last line of "
                            + logFile
                            + " has no line feed at its end: an append was interrupted or the"
                            + " file was cut");
        }
        if (last.tooLong()) {
            throw damaged(
                    "the last line of "
                            + logFile
                            + " is longer than "
                            + AuditCodec.MAX_LINE_BYTES
                            + " bytes: not an audit entry");
        }
        AuditEntry e;
        String text;
        try {
            text = AuditCodec.decode(last.bytes());
            if (text.isEmpty()) {
                throw new FormatException("empty line");
            }
            e = AuditCodec.parseEntry(text);
        } catch (FormatException ex) {
            throw damaged("the last line of " + logFile + ": " + ex.getMessage());
        }
        if (!AuditCodec.hashMatches(e)) {
            throw damaged(
                    "entry "
                            + e.sequence()
                            + " (the last line): hash does not match its content: edited?");
        }
        if (!AuditCodec.line(e).equals(text)) {
            throw damaged(
                    "entry "
                            + e.sequence()
                            + " (the last line) is not in the form it was written in");
        }
        return e;
    }

    // ---- verify ------------------------------------------------------------------------------

    private AuditVerification verifyLocked() throws IOException {
        Head head;
        String headFormatProblem = null;
        try {
            head = readHead();
        } catch (HeadFormatException e) {
            head = null;
            headFormatProblem = e.getMessage();
        }
        long expected = 1;
        String previousHash = AuditEntry.GENESIS_HASH;
        AuditEntry last = null;
        if (checkedAttributes(logFile) != null) {
            try (InputStream in = Files.newInputStream(logFile, LinkOption.NOFOLLOW_LINKS)) {
                LogLines lines = new LogLines(in);
                for (LogLines.Line line = lines.next(); line != null; line = lines.next()) {
                    long n = line.number();
                    AuditEntry e;
                    String text;
                    try {
                        text = lineText(line);
                        e = AuditCodec.parseEntry(text);
                    } catch (FormatException ex) {
                        return broken(expected, n, "line " + n + ": " + ex.getMessage());
                    }
                    long s = e.sequence();
                    if (s != expected) {
                        String where =
                                expected == 1
                                        ? "line " + n + ": sequence " + s + " where 1 was expected"
                                        : "line "
                                                + n
                                                + ": sequence "
                                                + s
                                                + " follows "
                                                + (expected - 1);
                        String why =
                                s > expected
                                        ? s == expected + 1
                                                ? ": entry " + expected + " was deleted or moved"
                                                : ": entries "
                                                        + expected
                                                        + " to "
                                                        + (s - 1)
                                                        + " were deleted or moved"
                                        : ": entries are out of order or repeated";
                        return broken(expected, n, where + why);
                    }
                    String at = "entry " + s + " (line " + n + ")";
                    if (!e.previousHash().equals(previousHash)) {
                        return broken(
                                expected,
                                n,
                                s == 1
                                        ? at
                                                + ": previous hash is not 64 zeros: the chain was"
                                                + " altered at its start"
                                        : at
                                                + ": previous hash does not match entry "
                                                + (s - 1)
                                                + "'s hash: the chain is broken (entry "
                                                + (s - 1)
                                                + " rehashed, or entries spliced?)");
                    }
                    if (!AuditCodec.hashMatches(e)) {
                        return broken(
                                expected, n, at + ": hash does not match its content: edited?");
                    }
                    if (!AuditCodec.line(e).equals(text)) {
                        return broken(
                                expected,
                                n,
                                at
                                        + ": not in the form it was written in (reformatted, or"
                                        + " fields added or repeated?)");
                    }
                    previousHash = e.hash();
                    last = e;
                    expected++;
                }
            }
        }
        long count = expected - 1;
        if (headFormatProblem != null) {
            return AuditVerification.ofBroken(count, 0, 0, headFormatProblem);
        }
        Problem p = headProblem(head, last);
        if (p != null) {
            return AuditVerification.ofBroken(count, p.firstBadSequence(), 0, p.text());
        }
        if (last != null && (head == null || head.sequence() < last.sequence())) {
            LOG.info(
                    "audit log {}: the head is one entry behind the log (an append was"
                            + " interrupted after writing entry {}); the next append updates it",
                    folder,
                    last.sequence());
        }
        return AuditVerification.ofIntact(count);
    }

    private static AuditVerification broken(long expected, long line, String problem) {
        return AuditVerification.ofBroken(expected - 1, expected, line, problem);
    }

    /** Returns a line's text, or says why it cannot be an entry. */
    private static String lineText(LogLines.Line line) throws FormatException {
        if (!line.terminated()) {
            throw new FormatException(
                    "the last line has no line feed at its end: an append was interrupted or the"
                            + " file was cut");
        }
        if (line.tooLong()) {
            throw new FormatException(
                    "longer than " + AuditCodec.MAX_LINE_BYTES + " bytes: not an audit entry");
        }
        String text = AuditCodec.decode(line.bytes());
        if (text.isEmpty()) {
            throw new FormatException("empty line");
        }
        return text;
    }

    /** What is wrong between the head and the log's last sound entry. */
    private record Problem(String text, long firstBadSequence) {}

    /**
     * Compares the head with the log's last entry (null if the log is empty); returns null if they
     * agree, or the log is exactly one entry ahead and chained to the head (a crash between writing
     * the entry and the head).
     */
    private static Problem headProblem(Head head, AuditEntry last) {
        if (last == null) {
            return head == null
                    ? null
                    : new Problem(
                            LOG_FILE
                                    + " is missing or empty but the head records entry "
                                    + head.sequence()
                                    + ": entries were removed",
                            1);
        }
        long l = last.sequence();
        if (head == null) {
            return l == 1 && last.previousHash().equals(AuditEntry.GENESIS_HASH)
                    ? null
                    : new Problem(
                            "the head is missing but the log ends at entry "
                                    + l
                                    + ": the head was deleted",
                            0);
        }
        long h = head.sequence();
        if (l < h) {
            return new Problem(
                    "log ends at entry "
                            + l
                            + " but the head records "
                            + h
                            + ": entries were removed from the end",
                    l + 1);
        }
        if (l > h + 1) {
            return new Problem(
                    "the head records entry "
                            + h
                            + " but the log continues to entry "
                            + l
                            + ": the head was edited or replaced by an older copy",
                    0);
        }
        String hashOfH = l == h ? last.hash() : last.previousHash();
        if (!hashOfH.equals(head.hash())) {
            return new Problem(
                    "the head records entry "
                            + h
                            + " with hash "
                            + head.hash()
                            + " but entry "
                            + h
                            + "'s hash is "
                            + hashOfH
                            + ": the head was edited, or entry "
                            + h
                            + " was edited and rehashed",
                    h);
        }
        return null;
    }

    // ---- queries -----------------------------------------------------------------------------

    private List<AuditEntry> query(Predicate<AuditEntry> wanted) {
        try {
            return withLock(false, () -> scan(wanted));
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot read audit log " + logFile + ": " + describe(e), e);
        }
    }

    private List<AuditEntry> scan(Predicate<AuditEntry> wanted) throws IOException {
        List<AuditEntry> found = new ArrayList<>();
        if (checkedAttributes(logFile) == null) {
            return found;
        }
        long skipped = 0;
        String firstSkipped = null;
        try (InputStream in = Files.newInputStream(logFile, LinkOption.NOFOLLOW_LINKS)) {
            LogLines lines = new LogLines(in);
            for (LogLines.Line line = lines.next(); line != null; line = lines.next()) {
                try {
                    if (line.tooLong()) {
                        throw new FormatException(
                                "longer than " + AuditCodec.MAX_LINE_BYTES + " bytes");
                    }
                    String text = AuditCodec.decode(line.bytes());
                    if (text.isEmpty()) {
                        throw new FormatException("empty line");
                    }
                    AuditEntry e = AuditCodec.parseEntry(text);
                    if (wanted.test(e)) {
                        found.add(e);
                    }
                } catch (FormatException ex) {
                    if (skipped++ == 0) {
                        firstSkipped = "line " + line.number() + ": " + ex.getMessage();
                    }
                }
            }
        }
        if (skipped > 0) {
            LOG.warn(
                    "audit log {}: skipped {} line(s) that are not entries, the first at {};"
                            + " verify() reports whether the log is intact",
                    logFile,
                    skipped,
                    firstSkipped);
        }
        return found;
    }

    // ---- files and locks ---------------------------------------------------------------------

    /** The head file could not be parsed: reported by verify, refused by append. */
    private static final class HeadFormatException extends RepositoryException {
        private static final long serialVersionUID = 1L;

        HeadFormatException(String message) {
            super(message);
        }
    }

    /**
     * Reads the head; returns null if there is none.
     *
     * @throws HeadFormatException if it is not a head record
     */
    private Head readHead() throws IOException {
        BasicFileAttributes a = checkedAttributes(headFile);
        if (a == null) {
            return null;
        }
        byte[] bytes;
        if (a.size() > AuditCodec.MAX_HEAD_BYTES) {
            throw new HeadFormatException(
                    "head: "
                            + a.size()
                            + " bytes, not a head record (at most "
                            + AuditCodec.MAX_HEAD_BYTES
                            + ")");
        }
        try (InputStream in = Files.newInputStream(headFile, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(AuditCodec.MAX_HEAD_BYTES + 1);
        }
        try {
            return AuditCodec.parseHead(AuditCodec.decode(bytes));
        } catch (FormatException e) {
            throw new HeadFormatException("head: " + e.getMessage());
        }
    }

    /**
     * Returns the attributes of {@code file} itself, or null if it does not exist.
     *
     * @throws RepositoryException if it is a symbolic link or not a regular file
     */
    private static BasicFileAttributes checkedAttributes(Path file) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, NO_FOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (a.isSymbolicLink()) {
            throw linkRefused(file);
        }
        if (!a.isRegularFile()) {
            throw new RepositoryException(
                    file
                            + " is "
                            + (a.isDirectory() ? "a folder" : "a special file")
                            + ", expected a regular file");
        }
        return a;
    }

    private static RepositoryException linkRefused(Path p) {
        return new RepositoryException(
                p + " is a symbolic link; the audit log never follows links");
    }

    /**
     * Checks that the folder is not a link and, if it exists, is a folder; returns whether it
     * exists.
     */
    private boolean checkFolder() throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(folder, BasicFileAttributes.class, NO_FOLLOW);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (a.isSymbolicLink()) {
            throw linkRefused(folder);
        }
        if (!a.isDirectory()) {
            throw new RepositoryException(folder + " exists and is not a folder");
        }
        return true;
    }

    @FunctionalInterface
    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    /**
     * Runs {@code action} holding the folder's in-process lock and the file lock. A writer creates
     * the folder and lock file if needed; a reader of a missing folder runs without locks (there is
     * nothing to read), and one that cannot open the lock file for writing reads without it.
     */
    private <T> T withLock(boolean write, IoSupplier<T> action) throws IOException {
        boolean exists = checkFolder();
        if (!exists) {
            if (!write) {
                return action.get();
            }
            createFolders(folder);
            checkFolder();
        }
        ReentrantLock jvmLock =
                JVM_LOCKS.computeIfAbsent(folder.toRealPath(), k -> new ReentrantLock());
        jvmLock.lock();
        try {
            // Every operation refuses a link at any of the three names, whichever it reads.
            checkedAttributes(logFile);
            checkedAttributes(headFile);
            BasicFileAttributes a = checkedAttributes(lockFile);
            FileChannel ch;
            try {
                if (a == null) {
                    try {
                        createFile(lockFile).close();
                    } catch (FileAlreadyExistsException e) {
                        checkedAttributes(lockFile); // made by another process, unless a link
                    }
                }
                ch =
                        FileChannel.open(
                                lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (FileSystemException e) {
                // Access denied, or a read-only file system: a reader can still read.
                if (write) {
                    throw e;
                }
                LOG.debug("reading audit log {} without the file lock: {}", folder, describe(e));
                return action.get();
            }
            try (ch) {
                ch.lock(); // released when the channel closes
                return action.get();
            }
        } finally {
            jvmLock.unlock();
        }
    }

    /** Creates {@code dir} and its missing parents with the folder permissions. */
    private void createFolders(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            createFolders(parent);
        }
        try {
            if (folderPermissions != null) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(folderPermissions));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            return; // made by a concurrent appender, or checked by the caller
        }
        if (folderPermissions != null) {
            // A umask only takes bits away; set exactly what was asked for.
            Files.setPosixFilePermissions(dir, folderPermissions);
        }
    }

    /** Creates {@code file}, which must not exist, with the file permissions, open for writing. */
    private FileChannel createFile(Path file, OpenOption... extra) throws IOException {
        Set<OpenOption> options = new HashSet<>(List.of(extra));
        options.add(StandardOpenOption.CREATE_NEW);
        options.add(StandardOpenOption.WRITE);
        options.add(LinkOption.NOFOLLOW_LINKS);
        FileAttribute<?>[] attributes =
                filePermissions == null
                        ? new FileAttribute<?>[0]
                        : new FileAttribute<?>[] {
                            PosixFilePermissions.asFileAttribute(filePermissions)
                        };
        FileChannel ch = FileChannel.open(file, options, attributes);
        try {
            if (filePermissions != null) {
                Files.setPosixFilePermissions(file, filePermissions);
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /**
     * Makes creations and renames in the folder durable; a no-op where folders cannot be opened.
     */
    private void fsyncFolder() {
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.trace("folder fsync not supported for {}", folder);
        }
    }

    /** Returns an I/O failure as text that says what went wrong, not only which path. */
    private static String describe(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() == null) {
            String kind =
                    e instanceof NoSuchFileException
                            ? "no such file"
                            : e instanceof AccessDeniedException
                                    ? "access denied"
                                    : e instanceof FileAlreadyExistsException
                                            ? "already exists"
                                            : e.getClass().getSimpleName();
            return kind + ": " + fse.getFile();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
