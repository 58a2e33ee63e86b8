package dev.maas.catalog.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A {@link BlobStore} in a folder, shared by every instance of a catalog (a local disk for one
 * machine, a network file system for several). Layout: {@code <folder>/sha256/ab/abcdef...} for the
 * blob whose SHA-256 is {@code abcdef...}; {@code <folder>/.tmp} holds blobs being written, each
 * copied and hashed there, forced to disk and then renamed into place, so a blob is whole or
 * absent. Thread-safe, and safe for several processes sharing the folder.
 */
public final class FolderBlobStore implements BlobStore {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path folder;
    private final Path blobs;
    private final Path temporaries;
    private final Clock clock;

    /** Opens the store in {@code folder}; folders are created by the first {@link #put}. */
    public FolderBlobStore(Path folder) {
        this(folder, Clock.systemUTC());
    }

    /** As {@link #FolderBlobStore(Path)}, with the clock that renews blobs' ages. */
    public FolderBlobStore(Path folder, Clock clock) {
        this.folder = Objects.requireNonNull(folder, "folder").toAbsolutePath().normalize();
        this.blobs = this.folder.resolve("sha256");
        this.temporaries = this.folder.resolve(".tmp");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Returns the store's folder. */
    public Path folder() {
        return folder;
    }

    @Override
    public String put(Path source) throws IOException {
        Files.createDirectories(temporaries);
        Path tmp = temporaries.resolve(UUID.randomUUID() + ".blob");
        try {
            MessageDigest md = sha256();
            try (InputStream in = Files.newInputStream(source);
                    OutputStream out =
                            new DigestOutputStream(
                                    Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW),
                                    md)) {
                in.transferTo(out);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            String hash = HexFormat.of().formatHex(md.digest());
            Path target = path(hash);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.setLastModifiedTime(target, FileTime.from(clock.instant()));
                return hash;
            }
            Files.createDirectories(target.getParent());
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // Written meanwhile by another publish: same bytes, keep it.
                Files.setLastModifiedTime(target, FileTime.from(clock.instant()));
            }
            return hash;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public void copyTo(String sha256, Path target) throws IOException {
        Files.copy(path(sha256), target);
    }

    @Override
    public List<Blob> list() throws IOException {
        List<Blob> out = new ArrayList<>();
        if (!Files.isDirectory(blobs)) {
            return out;
        }
        try (DirectoryStream<Path> prefixes = Files.newDirectoryStream(blobs)) {
            for (Path prefix : prefixes) {
                if (!Files.isDirectory(prefix, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(prefix)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        if (!SHA256.matcher(name).matches()) {
                            continue;
                        }
                        try {
                            BasicFileAttributes a =
                                    Files.readAttributes(
                                            f,
                                            BasicFileAttributes.class,
                                            LinkOption.NOFOLLOW_LINKS);
                            out.add(new Blob(name, a.size(), a.lastModifiedTime().toInstant()));
                        } catch (NoSuchFileException e) {
                            // removed meanwhile
                        }
                    }
                }
            }
        }
        return out;
    }

    @Override
    public boolean delete(String sha256) throws IOException {
        return Files.deleteIfExists(path(sha256));
    }

    private Path path(String sha256) {
        if (!SHA256.matcher(Objects.requireNonNull(sha256, "sha256")).matches()) {
            throw new IllegalArgumentException(
                    "not a SHA-256 (64 lowercase hexadecimal digits): '" + sha256 + "'");
        }
        return blobs.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "FolderBlobStore[" + folder + "]";
    }
}
