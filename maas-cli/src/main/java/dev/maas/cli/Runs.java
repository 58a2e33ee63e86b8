package dev.maas.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The folder of trained, unpublished runs ({@code <root>/runs}): one sub-folder per run name.
 *
 * <p>A training writes into a folder of its own ({@code .<name>-<digits>}), so concurrent trainings
 * of one name never mix files, and a failed write deletes it. The finished folder then replaces
 * {@code <name>} under the runs lock ({@code .lock}: one thread of one process at a time), and what
 * must see exactly that run, publishing it, runs under the same lock. Folders whose names start
 * with {@code .} are left only by processes that were killed; they are deleted once nothing in them
 * has changed for {@link #STALE} (a day, as the repository does with its {@code .tmp}).
 *
 * <p>Thread-safe; the lock also excludes other processes.
 */
final class Runs {
    /** How long a leftover folder stays untouched before it is taken as abandoned. */
    static final Duration STALE = Duration.ofDays(1);

    private static final String LOCK = ".lock";

    /** One in-process lock per lock file: {@link FileLock}s are held per JVM, not per thread. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS =
            new ConcurrentHashMap<>();

    private final Path dir;
    private final Clock clock;

    /** Uses the runs folder {@code dir}, which need not exist yet. */
    Runs(Path dir, Clock clock) {
        this.dir = dir.toAbsolutePath().normalize();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Returns the runs folder. */
    Path dir() {
        return dir;
    }

    /** Returns the folder of run {@code name} (which may not exist). */
    Path path(String name) {
        return dir.resolve(name);
    }

    /** Writes a run's files into the folder it is given. */
    @FunctionalInterface
    interface Writer {
        void write(Path folder) throws IOException;
    }

    /**
     * Deletes leftover folders (names starting with {@code .}, other than the lock) in which
     * nothing changed for {@link #STALE}, and returns how many it deleted. A folder that cannot be
     * deleted is left for next time.
     */
    int purgeStale() {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        Instant cutoff = clock.instant().minus(STALE);
        int purged = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".*")) {
            for (Path p : entries) {
                if (p.getFileName().toString().equals(LOCK)) {
                    continue;
                }
                try {
                    if (newestModification(p).isBefore(cutoff)) {
                        deleteRecursively(p);
                        purged++;
                    }
                } catch (IOException | UncheckedIOException e) {
                    // Left for the next purge; a concurrent purge may have deleted it already.
                }
            }
        } catch (IOException e) {
            return purged;
        }
        return purged;
    }

    /**
     * Writes a run into a new folder of its own and returns it, not yet visible as {@code name}. If
     * the writer fails, for any reason, the folder is deleted before the failure propagates.
     *
     * @throws CliException if the folder cannot be created or written (the message says why)
     */
    Staged stage(String name, Writer writer) {
        Path folder;
        try {
            PrivateFolders.create(dir);
            folder = Files.createTempDirectory(dir, "." + name + "-");
        } catch (IOException e) {
            throw new CliException(
                    "cannot save run '" + name + "' in " + dir + ": " + Errors.describe(e), e);
        }
        try {
            writer.write(folder);
        } catch (IOException | UncheckedIOException e) {
            deleteQuietly(folder);
            throw new CliException(
                    "cannot save run '" + name + "' in " + dir + ": " + Errors.describe(e), e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(folder);
            throw e;
        }
        return new Staged(name, folder);
    }

    /**
     * Makes {@code staged} the run {@code name}, replacing the previous one, then applies {@code
     * action} to the run's folder, all under the runs lock, so the action sees exactly the files
     * staged. The replaced run is deleted afterwards.
     *
     * @throws CliException if the run cannot be moved into place (the previous run is then kept)
     * @throws IllegalStateException if {@code staged} was installed or closed already
     */
    <T> T install(Staged staged, Function<Path, T> action) {
        Path target = path(staged.name);
        Path replaced = dir.resolve("." + staged.name + "-replaced-" + UUID.randomUUID());
        try {
            return locked(
                    () -> {
                        if (staged.state != Staged.State.STAGED) {
                            throw new IllegalStateException(
                                    "run '" + staged.name + "' was " + staged.state + " already");
                        }
                        boolean previous = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
                        if (previous) {
                            move(target, replaced);
                        }
                        try {
                            move(staged.folder, target);
                        } catch (IOException e) {
                            if (previous) {
                                move(replaced, target);
                            }
                            throw e;
                        }
                        staged.state = Staged.State.INSTALLED;
                        return action.apply(target);
                    });
        } catch (IOException e) {
            throw new CliException(
                    "cannot save run '"
                            + staged.name
                            + "' as "
                            + target
                            + ": "
                            + Errors.describe(e),
                    e);
        } finally {
            if (staged.state == Staged.State.INSTALLED) {
                // Otherwise it was moved back, or, if even that failed, is kept for the user.
                deleteQuietly(replaced);
            }
        }
    }

    /**
     * Applies {@code action} to the folder of run {@code name} under the runs lock, so no training
     * replaces it meanwhile. The folder may not exist.
     */
    <T> T read(String name, Function<Path, T> action) {
        if (!Files.isDirectory(dir)) {
            // Nothing to guard, and a read creates nothing.
            return action.apply(path(name));
        }
        try {
            return locked(() -> action.apply(path(name)));
        } catch (IOException e) {
            throw new CliException("cannot lock " + dir + ": " + Errors.describe(e), e);
        }
    }

    @FunctionalInterface
    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private <T> T locked(IoSupplier<T> action) throws IOException {
        PrivateFolders.create(dir);
        Path lockFile = dir.resolve(LOCK);
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel ch =
                        FileChannel.open(
                                lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = ch.lock()) {
            return action.get();
        } finally {
            jvmLock.unlock();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static Instant newestModification(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.map(
                            f -> {
                                try {
                                    return Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS)
                                            .toInstant();
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            })
                    .max(Comparator.naturalOrder())
                    .orElse(Instant.MAX);
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteRecursively(p);
        } catch (IOException | UncheckedIOException e) {
            // A leftover starts with '.', so a later purge removes it.
        }
    }

    /**
     * A run written to its own folder, not yet installed. Closing it deletes the folder unless it
     * was installed; closing twice does nothing more.
     */
    static final class Staged implements AutoCloseable {
        enum State {
            STAGED,
            INSTALLED,
            CLOSED
        }

        private final String name;
        private final Path folder;
        // Volatile: installed under the runs lock, possibly closed on another thread.
        private volatile State state = State.STAGED;

        private Staged(String name, Path folder) {
            this.name = name;
            this.folder = folder;
        }

        /** Returns the folder the run was written to. */
        Path folder() {
            return folder;
        }

        @Override
        public void close() {
            if (state == State.STAGED) {
                state = State.CLOSED;
                deleteQuietly(folder);
            }
        }
    }
}
