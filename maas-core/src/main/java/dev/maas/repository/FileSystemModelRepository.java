package dev.maas.repository;

import dev.maas.ChecksumMismatchException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.RepositoryException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ModelRepository} in a local folder, the embedded default.
 *
 * <p>Layout: {@code <root>/models/<name>/<version>/} holds {@code model-card.json} and the artifact
 * files; {@code <root>/models/<name>/aliases.properties} maps aliases to versions. A publish copies
 * into a temporary folder under {@code <root>/.tmp} (same file system), fsyncs it and renames it
 * into place, so a crash leaves either the whole version or none; a failed publish removes its
 * temporary folder, and folders a crashed process left there are removed when a repository is
 * opened a day later. Version assignment and alias updates run under an exclusive file lock per
 * model (plus an in-process lock), so two processes publishing the same model never get the same
 * version. Deleted version numbers are never reused.
 *
 * <p>Every name is checked against {@link ModelRef#NAME_PATTERN} before the file system is touched,
 * and artifact paths with {@link ModelPackage#checkRelativePath}, so nothing outside the root can
 * be addressed. {@link #verifiedArtifacts} checks every file against the card's SHA-256 and refuses
 * files the card does not list.
 *
 * <p>Thread-safe, and safe for several processes sharing one root on a local file system.
 */
public final class FileSystemModelRepository implements ModelRepository {
    private static final Logger LOG = LoggerFactory.getLogger(FileSystemModelRepository.class);
    private static final String CARD = ModelPackage.CARD_FILE;
    private static final String ALIASES = "aliases.properties";
    private static final String LAST_VERSION = "last-version";
    private static final String LOCK = ".lock";
    private static final String TMP_PREFIX = ".publish-";
    private static final String TMP_DIR = ".tmp";

    /** Temporary folders untouched for this long belong to a crashed process. */
    private static final java.time.Duration STALE_TEMPORARY = java.time.Duration.ofDays(1);

    /** One in-process lock per lock file: {@link FileLock}s are held per JVM, not per thread. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS =
            new ConcurrentHashMap<>();

    private final Path root;
    private final Path models;
    private final Path temporaries;
    private final Clock clock;

    /**
     * Opens (and creates if needed) a repository at {@code root}.
     *
     * @throws RepositoryException if the folder cannot be created
     */
    public FileSystemModelRepository(Path root) {
        this(root, Clock.systemUTC());
    }

    /** Opens a repository whose publish times come from {@code clock}. */
    public FileSystemModelRepository(Path root, Clock clock) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.models = this.root.resolve("models");
        this.temporaries = this.root.resolve(TMP_DIR);
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            Files.createDirectories(models);
            Files.createDirectories(temporaries);
        } catch (IOException e) {
            throw new RepositoryException("cannot create model repository at " + this.root, e);
        }
        purgeStaleTemporaries();
    }

    /** Returns the repository's root folder. */
    public Path root() {
        return root;
    }

    @Override
    public ModelCard publish(ModelPackage modelPackage) {
        Objects.requireNonNull(modelPackage, "modelPackage");
        ModelCard template = modelPackage.card();
        String name = template.name();
        Path modelDir = modelDir(name);
        // Outside the model's folder, so that a failed first publish leaves no trace of the model.
        Path tmp = temporaries.resolve(TMP_PREFIX + name + "-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            Map<String, String> checksums = new TreeMap<>();
            for (Map.Entry<String, Path> f : modelPackage.files().entrySet()) {
                Path target = tmp.resolve(ModelPackage.checkRelativePath(f.getKey()));
                Files.createDirectories(target.getParent());
                checksums.put(f.getKey(), copyAndHash(f.getKey(), f.getValue(), target));
            }
            ModelCard card =
                    withLock(
                            name,
                            () -> {
                                int version = lastVersion(modelDir) + 1;
                                ModelCard stored =
                                        template.toBuilder()
                                                .version(version)
                                                .createdAt(clock.instant())
                                                .artifacts(checksums)
                                                .build();
                                writeDurably(tmp.resolve(CARD), CardCodec.toJson(stored));
                                fsync(tmp);
                                Path target = modelDir.resolve(Integer.toString(version));
                                // No REPLACE_EXISTING: an existing folder means a broken counter,
                                // and must fail rather than be overwritten.
                                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                                writeDurably(
                                        modelDir.resolve(LAST_VERSION), Integer.toString(version));
                                fsync(modelDir);
                                return stored;
                            });
            LOG.debug("published {} ({} files)", card.ref(), checksums.size());
            return card;
        } catch (IOException | UncheckedIOException e) {
            throw new RepositoryException(
                    "cannot publish model '" + name + "': " + describe(e) + "; nothing was stored",
                    e);
        } finally {
            deleteRecursively(tmp);
        }
    }

    /** Returns an I/O failure as text that says what went wrong, not only which path. */
    private static String describe(Exception e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        if (t instanceof java.nio.file.FileSystemException fse && fse.getReason() == null) {
            String kind =
                    t instanceof NoSuchFileException
                            ? "no such file"
                            : t instanceof java.nio.file.AccessDeniedException
                                    ? "access denied"
                                    : t.getClass().getSimpleName();
            return kind + ": " + fse.getFile();
        }
        return t.getMessage();
    }

    @Override
    public List<String> names() {
        try (Stream<Path> dirs = Files.list(models)) {
            return dirs.filter(d -> isValidName(d.getFileName().toString()))
                    .filter(d -> !versionNumbers(d).isEmpty())
                    .map(d -> d.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new RepositoryException("cannot list " + models, e);
        }
    }

    @Override
    public List<ModelCard> versions(String name) {
        Path modelDir = modelDir(name);
        List<Integer> numbers = versionNumbers(modelDir);
        if (numbers.isEmpty()) {
            throw notFound(name);
        }
        List<ModelCard> cards = new ArrayList<>();
        for (int v : numbers) {
            cards.add(readCard(name, v));
        }
        return cards;
    }

    @Override
    public ModelCard resolve(ModelRef ref) {
        Objects.requireNonNull(ref, "ref");
        Path modelDir = modelDir(ref.name());
        List<Integer> numbers = versionNumbers(modelDir);
        if (numbers.isEmpty()) {
            throw notFound(ref.name());
        }
        int version;
        if (ref.isAlias()) {
            Map<String, Integer> aliases = aliases(ref.name());
            Integer target = aliases.get(ref.alias());
            if (target == null) {
                throw new ModelNotFoundException(
                        "alias '"
                                + ref.alias()
                                + "' of model '"
                                + ref.name()
                                + "' not found; aliases: "
                                + (aliases.isEmpty() ? "none" : aliases));
            }
            version = target;
        } else if (ref.isLatest()) {
            version = numbers.get(numbers.size() - 1);
        } else {
            version = ref.version();
        }
        if (!numbers.contains(version)) {
            throw new ModelNotFoundException(
                    "version "
                            + version
                            + " of model '"
                            + ref.name()
                            + "' not found; versions: "
                            + numbers);
        }
        return readCard(ref.name(), version);
    }

    @Override
    public Map<String, Integer> aliases(String name) {
        Path modelDir = modelDir(name);
        if (versionNumbers(modelDir).isEmpty()) {
            throw notFound(name);
        }
        return readAliases(modelDir);
    }

    private static Map<String, Integer> readAliases(Path modelDir) {
        Path file = modelDir.resolve(ALIASES);
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException | IllegalArgumentException e) {
            throw new RepositoryException("cannot read aliases file " + file + ": " + e, e);
        }
        Map<String, Integer> out = new TreeMap<>();
        for (String key : props.stringPropertyNames()) {
            String value = props.getProperty(key).trim();
            try {
                out.put(key, Integer.parseInt(value));
            } catch (NumberFormatException e) {
                throw new RepositoryException(
                        "corrupt aliases file "
                                + file
                                + ": alias '"
                                + key
                                + "' points at '"
                                + value
                                + "', expected a version number",
                        e);
            }
        }
        return out;
    }

    @Override
    public void setAlias(String name, String alias, int version) {
        ModelRef.checkName(alias, "alias");
        resolve(ModelRef.of(name, version)); // throws if the version does not exist
        withLock(
                name,
                () -> {
                    Map<String, Integer> aliases = new TreeMap<>(readAliases(modelDir(name)));
                    aliases.put(alias, version);
                    writeAliases(name, aliases);
                    return null;
                });
        LOG.debug("alias {}@{} -> {}", name, alias, version);
    }

    @Override
    public boolean removeAlias(String name, String alias) {
        ModelRef.checkName(alias, "alias");
        if (versionNumbers(modelDir(name)).isEmpty()) {
            throw notFound(name);
        }
        return withLock(
                name,
                () -> {
                    Map<String, Integer> aliases = new TreeMap<>(readAliases(modelDir(name)));
                    if (aliases.remove(alias) == null) {
                        return false;
                    }
                    writeAliases(name, aliases);
                    return true;
                });
    }

    @Override
    public void delete(String name, int version) {
        resolve(ModelRef.of(name, version));
        withLock(
                name,
                () -> {
                    List<String> pointing =
                            readAliases(modelDir(name)).entrySet().stream()
                                    .filter(e -> e.getValue() == version)
                                    .map(Map.Entry::getKey)
                                    .collect(Collectors.toList());
                    if (!pointing.isEmpty()) {
                        throw new IllegalStateException(
                                "cannot delete "
                                        + name
                                        + ":"
                                        + version
                                        + " while aliases point at it: "
                                        + pointing
                                        + "; move or remove them first");
                    }
                    Path dir = modelDir(name).resolve(Integer.toString(version));
                    // Rename first so readers never see a half-deleted version.
                    Path doomed =
                            temporaries.resolve(
                                    TMP_PREFIX + "deleted-" + name + "-" + UUID.randomUUID());
                    move(dir, doomed);
                    deleteRecursively(doomed);
                    return null;
                });
        LOG.debug("deleted {}:{}", name, version);
    }

    @Override
    public Path verifiedArtifacts(ModelCard card) {
        Path dir = modelDir(card.name()).resolve(Integer.toString(card.version()));
        // Checked first: a path in a forged card must not be opened at all.
        card.artifacts().keySet().forEach(ModelPackage::checkRelativePath);
        checkNoForeignFiles(card, dir);
        for (Map.Entry<String, String> a : card.artifacts().entrySet()) {
            Path file = dir.resolve(ModelPackage.checkRelativePath(a.getKey()));
            String actual;
            try {
                actual = sha256(file);
            } catch (NoSuchFileException e) {
                throw new MalformedModelException(
                        "artifact file "
                                + a.getKey()
                                + " of "
                                + card.ref()
                                + " is missing: "
                                + file);
            } catch (IOException e) {
                throw new MalformedModelException(
                        "cannot read artifact file " + file + " of " + card.ref(), e);
            }
            if (!actual.equals(a.getValue())) {
                throw new ChecksumMismatchException(
                        file,
                        "checksum mismatch in "
                                + card.ref()
                                + " file "
                                + a.getKey()
                                + " ("
                                + file
                                + "): expected SHA-256 "
                                + a.getValue()
                                + ", found "
                                + actual);
            }
        }
        return dir;
    }

    /** Refuses files in a version folder that the card does not list: they were never checked. */
    private static void checkNoForeignFiles(ModelCard card, Path dir) {
        List<String> foreign = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(rel -> !rel.equals(CARD) && !card.artifacts().containsKey(rel))
                    .sorted()
                    .forEach(foreign::add);
        } catch (NoSuchFileException e) {
            throw new MalformedModelException("folder of " + card.ref() + " is missing: " + dir, e);
        } catch (IOException | UncheckedIOException e) {
            throw new MalformedModelException(
                    "cannot list files of " + card.ref() + " in " + dir, e);
        }
        if (!foreign.isEmpty()) {
            throw new MalformedModelException(
                    "files "
                            + foreign
                            + " in "
                            + dir
                            + " are not recorded in the model card of "
                            + card.ref()
                            + " (recorded: "
                            + card.artifacts().keySet()
                            + "); a version is immutable once published");
        }
    }

    private static boolean isValidName(String name) {
        return name.matches(ModelRef.NAME_PATTERN);
    }

    private Path modelDir(String name) {
        return models.resolve(ModelRef.checkName(name, "model name"));
    }

    private ModelCard readCard(String name, int version) {
        Path file = modelDir(name).resolve(Integer.toString(version)).resolve(CARD);
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MalformedModelException("cannot read model card " + file, e);
        }
        ModelCard card;
        try {
            card = CardCodec.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(e.getMessage() + " in " + file, e);
        }
        if (!card.name().equals(name) || card.version() != version) {
            throw new MalformedModelException(
                    "model card " + file + " describes " + card.name() + ":" + card.version());
        }
        return card;
    }

    private ModelNotFoundException notFound(String name) {
        List<String> names = names();
        return new ModelNotFoundException(
                "model '"
                        + name
                        + "' not found in "
                        + root
                        + "; models: "
                        + (names.isEmpty() ? "none" : String.join(", ", names)));
    }

    private static List<Integer> versionNumbers(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(modelDir)) {
            for (Path d : dirs) {
                String n = d.getFileName().toString();
                if (n.matches("[1-9][0-9]{0,8}") && Files.isRegularFile(d.resolve(CARD))) {
                    out.add(Integer.parseInt(n));
                }
            }
        } catch (IOException e) {
            throw new RepositoryException("cannot list " + modelDir, e);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private int lastVersion(Path modelDir) throws IOException {
        int last = 0;
        Path counter = modelDir.resolve(LAST_VERSION);
        if (Files.exists(counter)) {
            last = Integer.parseInt(Files.readString(counter, StandardCharsets.UTF_8).trim());
        }
        // Any numeric folder counts, even one without a card: its number must not be handed out.
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(modelDir)) {
            for (Path d : dirs) {
                String n = d.getFileName().toString();
                if (n.matches("[1-9][0-9]{0,8}")) {
                    last = Math.max(last, Integer.parseInt(n));
                }
            }
        }
        return last;
    }

    private void writeAliases(String name, Map<String, Integer> aliases) throws IOException {
        StringBuilder sb = new StringBuilder("# alias=version, written atomically by maas\n");
        for (Map.Entry<String, Integer> e : new LinkedHashMap<>(aliases).entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        writeDurably(modelDir(name).resolve(ALIASES), sb.toString());
    }

    /** Runs {@code action} holding the model's in-process and inter-process locks. */
    private <T> T withLock(String name, IoSupplier<T> action) {
        Path modelDir = modelDir(name);
        Path lockFile = modelDir.resolve(LOCK);
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try {
            Files.createDirectories(modelDir);
            try (FileChannel ch =
                            FileChannel.open(
                                    lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = ch.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new RepositoryException(
                    "repository operation on '" + name + "' failed: " + e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }

    @FunctionalInterface
    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static String copyAndHash(String rel, Path source, Path target) throws IOException {
        MessageDigest md = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(source), md);
                FileChannel out =
                        FileChannel.open(
                                target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                OutputStream os = java.nio.channels.Channels.newOutputStream(out)) {
            in.transferTo(os);
            out.force(true);
        } catch (IOException e) {
            throw new IOException(
                    "cannot copy artifact " + rel + " from " + source + " (" + describe(e) + ")",
                    e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** Writes {@code text} to a temporary file, fsyncs it and renames it over {@code target}. */
    private static void writeDurably(Path target, String text) throws IOException {
        Path tmp =
                target.resolveSibling(TMP_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
        try {
            try (FileChannel ch =
                    FileChannel.open(
                            tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(
                    from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("file system does not support atomic rename: " + to, e);
        }
    }

    private static void fsync(Path dir) {
        // Directory fsync makes renames durable on Linux; other systems refuse to open a folder.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.trace("directory fsync not supported for {}", dir);
        }
    }

    /** Removes what crashed publishes and deletes left in {@code .tmp}, once clearly abandoned. */
    private void purgeStaleTemporaries() {
        java.time.Instant cutoff = clock.instant().minus(STALE_TEMPORARY);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(temporaries)) {
            for (Path p : entries) {
                if (newestModification(p).isBefore(cutoff)) {
                    LOG.info("removing abandoned temporary folder {}", p);
                    deleteRecursively(p);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot clean {}: {}", temporaries, e.toString());
        }
    }

    private static java.time.Instant newestModification(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.map(
                            f -> {
                                try {
                                    return Files.getLastModifiedTime(f).toInstant();
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            })
                    .max(Comparator.naturalOrder())
                    .orElse(java.time.Instant.MAX);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder())
                    .forEach(
                            p -> {
                                try {
                                    Files.deleteIfExists(p);
                                } catch (IOException e) {
                                    LOG.warn("cannot delete {}: {}", p, e.toString());
                                }
                            });
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", dir, e.toString());
        }
    }
}
