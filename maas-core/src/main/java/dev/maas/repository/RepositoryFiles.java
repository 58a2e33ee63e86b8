package dev.maas.repository;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file operations of {@link FileSystemModelRepository}: they never follow a symbolic link, read
 * only regular files, and create what they create with the repository's permissions.
 */
final class RepositoryFiles {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryFiles.class);
    private static final LinkOption[] NO_FOLLOW = {LinkOption.NOFOLLOW_LINKS};
    static final String TMP_PREFIX = ".publish-";

    /** Permissions of new folders and files; null where the file system has no POSIX modes. */
    private final Set<PosixFilePermission> folderPermissions;

    private final Set<PosixFilePermission> filePermissions;

    RepositoryFiles(Path root, Set<PosixFilePermission> folderPermissions) {
        if (root.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            this.folderPermissions = Set.copyOf(folderPermissions);
            this.filePermissions = StoragePermissions.filePermissions(folderPermissions);
        } else {
            this.folderPermissions = null;
            this.filePermissions = null;
        }
    }

    /** Gives {@code p} exactly {@code permissions}: a umask would only take bits away. */
    private static void restrict(Path p, Set<PosixFilePermission> permissions) throws IOException {
        if (permissions != null) {
            Files.setPosixFilePermissions(p, permissions);
        }
    }

    /** Returns the attributes of {@code p} itself (not of a link's target), or null if absent. */
    static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, NO_FOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Says what kind of entry {@code a} describes, for messages. */
    static String kind(BasicFileAttributes a) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isDirectory()) {
            return "a folder";
        }
        if (a.isRegularFile()) {
            return "a regular file";
        }
        return "a special file (FIFO, socket or device)";
    }

    /** Returns whether {@code p} is itself a symbolic link. */
    static boolean isLink(Path p) {
        return Files.isSymbolicLink(p);
    }

    /** Returns whether {@code p} is a folder and not a link to one. */
    static boolean isFolder(Path p) {
        return Files.isDirectory(p, NO_FOLLOW);
    }

    /** Creates {@code dir} and its missing parents with the repository's folder permissions. */
    void createFolders(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            createFolders(parent);
        }
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (Files.isDirectory(dir)) {
                return; // made by a concurrent publish
            }
            throw e;
        }
        restrict(dir, folderPermissions);
    }

    /**
     * Reads a small regular file as UTF-8 text; returns null if it does not exist.
     *
     * @throws IOException with a reason if it is a link, not a regular file, larger than {@code
     *     maxBytes}, or not UTF-8
     */
    static String readText(Path file, long maxBytes) throws IOException {
        BasicFileAttributes a = attributes(file);
        if (a == null) {
            return null;
        }
        if (!a.isRegularFile()) {
            throw new IOException(file + " is " + kind(a) + ", expected a regular file");
        }
        if (a.size() > maxBytes) {
            throw new IOException(
                    file + " is " + a.size() + " bytes, more than the " + maxBytes + " expected");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes((int) maxBytes + 1);
        }
        if (bytes.length > maxBytes) {
            throw new IOException(file + " grew past " + maxBytes + " bytes while being read");
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not UTF-8 text (binary content?)", e);
        }
    }

    /**
     * Returns the SHA-256 of the regular file {@code file}, hex-encoded.
     *
     * @throws IOException if it is a link or not a regular file (a FIFO or a device would block or
     *     never end), or cannot be read
     */
    static String sha256(Path file) throws IOException {
        BasicFileAttributes a = attributes(file);
        if (a == null) {
            throw new NoSuchFileException(file.toString());
        }
        if (!a.isRegularFile()) {
            throw new NotARegularFileException(file, a);
        }
        MessageDigest md = sha256Digest();
        try (InputStream in =
                new DigestInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** An artifact that is not a regular file, refused before it is opened. */
    static final class NotARegularFileException extends IOException {
        private static final long serialVersionUID = 1L;

        NotARegularFileException(Path file, BasicFileAttributes a) {
            super(file + " is " + kind(a) + "; only regular files are artifacts");
        }
    }

    /** Copies {@code source} to the new file {@code target}, fsyncs it and returns its SHA-256. */
    String copyAndHash(String rel, Path source, Path target) throws IOException {
        MessageDigest md = sha256Digest();
        try {
            if (!Files.isRegularFile(source)) {
                throw new IOException("not a regular file");
            }
            try (InputStream in = new DigestInputStream(Files.newInputStream(source), md);
                    FileChannel out = newFile(target);
                    OutputStream os = Channels.newOutputStream(out)) {
                in.transferTo(os);
                out.force(true);
            }
        } catch (IOException e) {
            throw new IOException(
                    "cannot copy artifact " + rel + " from " + source + " (" + describe(e) + ")",
                    e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Creates {@code file}, which must not exist, with the repository's file permissions. */
    FileChannel newFile(Path file) throws IOException {
        FileChannel ch =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
        try {
            restrict(file, filePermissions);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /** Opens (creating if needed) a lock file, refusing a link. */
    FileChannel openLockFile(Path file) throws IOException {
        if (Files.notExists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                newFile(file).close();
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // made by a concurrent writer
            }
        }
        return FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Writes {@code text} to a temporary file, fsyncs it and renames it over {@code target}. The
     * rename replaces a link at {@code target} rather than writing through it.
     */
    void writeDurably(Path target, String text) throws IOException {
        Path tmp =
                target.resolveSibling(TMP_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
        try {
            try (FileChannel ch = newFile(tmp)) {
                ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Renames atomically, replacing the target (a link is replaced, not followed). */
    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(
                    from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("file system does not support atomic rename: " + to, e);
        }
    }

    /** Makes the renames in {@code dir} durable (Linux); a no-op where folders cannot be opened. */
    static void fsync(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.trace("directory fsync not supported for {}", dir);
        }
    }

    /**
     * Deletes {@code path} and, if it is a folder, what it holds. Links are deleted, never
     * followed: nothing outside {@code path} is touched.
     */
    static void deleteRecursively(Path path) {
        if (!Files.exists(path, NO_FOLLOW)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder())
                    .forEach(
                            p -> {
                                try {
                                    Files.deleteIfExists(p);
                                } catch (IOException e) {
                                    LOG.warn("cannot delete {}: {}", p, e.toString());
                                }
                            });
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("cannot delete {}: {}", path, e.toString());
        }
    }

    /** Returns an I/O failure as text that says what went wrong, not only which path. */
    static String describe(Exception e) {
        Throwable t = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
        if (t instanceof FileSystemException fse && fse.getReason() == null) {
            String kind =
                    t instanceof NoSuchFileException
                            ? "no such file"
                            : t instanceof AccessDeniedException
                                    ? "access denied"
                                    : t instanceof java.nio.file.FileAlreadyExistsException
                                            ? "exists and is not a folder"
                                            : t.getClass().getSimpleName();
            return kind + ": " + fse.getFile();
        }
        return t.getMessage();
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
