package dev.maas.repository;

import dev.maas.ChecksumMismatchException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.RepositoryException;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
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
 * opened a day later. A delete renames the version folder out of {@code models/} before removing
 * it, so a reader sees a version whole or not at all. Version assignment and alias updates run
 * under an exclusive file lock per model (plus an in-process lock), so two processes publishing the
 * same model never get the same version. Versions run from 1 to {@link ModelRef#MAX_VERSION};
 * deleted version numbers are never reused.
 *
 * <p>Every name is checked against {@link ModelRef#NAME_PATTERN} before the file system is touched,
 * and artifact paths with {@link ModelPackage#checkRelativePath}, so nothing outside the root can
 * be addressed. Symbolic links are never followed below the root: a {@code .tmp}, {@code models},
 * model or version folder, counter, alias, card or artifact that is a link is refused with an error
 * naming it, and only regular files are read (a FIFO or a device would block or never end). {@link
 * #verifiedArtifacts} checks every file against the card's SHA-256 and refuses files the card does
 * not list.
 *
 * <p>Opening a repository creates nothing: the root and its folders are created by the first
 * publish, so listing a folder that holds no repository leaves it as it was. What the repository
 * creates is readable and writable by its owner only ({@link #OWNER_ONLY}, folders {@code 0700},
 * files {@code 0600}, whatever the process's umask), unless other permissions are given to {@link
 * #FileSystemModelRepository(Path, Clock, Set)}. Existing folders keep their permissions.
 *
 * <p>Thread-safe, and safe for several processes sharing one root on a local file system.
 */
public final class FileSystemModelRepository implements ModelRepository {
    private static final Logger LOG = LoggerFactory.getLogger(FileSystemModelRepository.class);
    private static final String CARD = ModelPackage.CARD_FILE;
    private static final String ALIASES = "aliases.properties";
    private static final String LAST_VERSION = "last-version";
    private static final String LOCK = ".lock";
    private static final String TMP_PREFIX = RepositoryFiles.TMP_PREFIX;
    private static final String TMP_DIR = ".tmp";
    private static final Pattern VERSION_FOLDER = Pattern.compile("[1-9][0-9]{0,8}");

    /** Cards larger than this are refused unread. */
    private static final long MAX_CARD_BYTES = 16L << 20;

    /** Documents larger than this are refused unread. */
    private static final long MAX_DOCUMENT_BYTES = 64L << 20;

    /** Alias files larger than this are refused unread. */
    private static final long MAX_ALIASES_BYTES = 1L << 20;

    /** Temporary folders untouched for this long belong to a crashed process. */
    private static final Duration STALE_TEMPORARY = Duration.ofDays(1);

    /** Folder permissions {@code rwx------}, the default; files get {@code rw-------}. */
    public static final Set<PosixFilePermission> OWNER_ONLY = StoragePermissions.OWNER_ONLY;

    /** One in-process lock per lock file: {@link FileLock}s are held per JVM, not per thread. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS =
            new ConcurrentHashMap<>();

    private final Path root;
    private final Path models;
    private final Path temporaries;
    private final Path meta;
    private final Clock clock;
    private final RepositoryFiles files;

    /**
     * Opens a repository at {@code root}, creating nothing until the first publish.
     *
     * @throws RepositoryException if {@code root} exists and is not a folder, or its {@code models}
     *     or {@code .tmp} folder is a symbolic link
     */
    public FileSystemModelRepository(Path root) {
        this(root, Clock.systemUTC());
    }

    /**
     * Opens a repository whose publish times come from {@code clock}; see the other constructor.
     */
    public FileSystemModelRepository(Path root, Clock clock) {
        this(root, clock, OWNER_ONLY);
    }

    /**
     * Opens a repository that creates its folders with {@code folderPermissions} and its files with
     * the same permissions less the execute bits, for example {@code
     * PosixFilePermissions.fromString("rwxrwx---")} for a repository a group shares. Ignored on
     * file systems without POSIX permissions.
     *
     * @throws IllegalArgumentException if the owner could not read, write and enter the folders
     * @throws RepositoryException as {@link #FileSystemModelRepository(Path)}
     */
    public FileSystemModelRepository(
            Path root, Clock clock, Set<PosixFilePermission> folderPermissions) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.models = this.root.resolve("models");
        this.temporaries = this.root.resolve(TMP_DIR);
        this.meta = this.root.resolve("meta");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.files =
                new RepositoryFiles(
                        this.root, StoragePermissions.checkFolderPermissions(folderPermissions));
        checkRoot();
        checkNotLink(models);
        checkNotLink(temporaries);
        checkNotLink(meta);
        purgeStaleTemporaries();
    }

    /** Returns the repository's root folder. */
    public Path root() {
        return root;
    }

    /** Refuses a root that exists and is not a folder (or a link to one). */
    private void checkRoot() {
        if (Files.exists(root) && !Files.isDirectory(root)) {
            String kind;
            try {
                BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class);
                kind = RepositoryFiles.kind(a);
            } catch (IOException e) {
                kind = "unreadable";
            }
            throw new RepositoryException(
                    "cannot open model repository at "
                            + root
                            + ": it is "
                            + kind
                            + ", not a folder");
        }
    }

    /** Refuses a path under the root that is a symbolic link: links are never followed. */
    private static void checkNotLink(Path p) {
        if (RepositoryFiles.isLink(p)) {
            String target;
            try {
                target = String.valueOf(Files.readSymbolicLink(p));
            } catch (IOException e) {
                target = "?";
            }
            throw new RepositoryException(
                    "refusing "
                            + p
                            + ": it is a symbolic link (to "
                            + target
                            + "), and the repository never follows links out of its root; replace"
                            + " it with a folder or file");
        }
    }

    /** Creates the root, {@code models} and {@code .tmp}, for a write. */
    private void createLayout() throws IOException {
        checkRoot();
        try {
            files.createFolders(models);
            files.createFolders(temporaries);
        } catch (IOException e) {
            throw new IOException(
                    "cannot create model repository at "
                            + root
                            + " ("
                            + RepositoryFiles.describe(e)
                            + ")",
                    e);
        }
        checkNotLink(models);
        checkNotLink(temporaries);
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
            createLayout();
            files.createFolders(tmp);
            Map<String, String> checksums = new TreeMap<>();
            for (Map.Entry<String, Path> f : modelPackage.files().entrySet()) {
                Path target = tmp.resolve(ModelPackage.checkRelativePath(f.getKey()));
                files.createFolders(target.getParent());
                checksums.put(f.getKey(), files.copyAndHash(f.getKey(), f.getValue(), target));
            }
            ModelCard card =
                    withLock(
                            name,
                            () -> {
                                int version = nextVersion(name, modelDir);
                                ModelCard stored =
                                        template.toBuilder()
                                                .version(version)
                                                .createdAt(clock.instant())
                                                .artifacts(checksums)
                                                .build();
                                files.writeDurably(tmp.resolve(CARD), CardCodec.toJson(stored));
                                RepositoryFiles.fsync(tmp);
                                Path target = modelDir.resolve(Integer.toString(version));
                                // No REPLACE_EXISTING: an existing folder means a broken counter,
                                // and must fail rather than be overwritten.
                                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                                files.writeDurably(
                                        modelDir.resolve(LAST_VERSION), Integer.toString(version));
                                RepositoryFiles.fsync(modelDir);
                                return stored;
                            });
            LOG.debug("published {} ({} files)", card.ref(), checksums.size());
            return card;
        } catch (IOException | UncheckedIOException e) {
            throw new RepositoryException(
                    "cannot publish model '"
                            + name
                            + "': "
                            + RepositoryFiles.describe(e)
                            + "; nothing was stored",
                    e);
        } finally {
            RepositoryFiles.deleteRecursively(tmp);
        }
    }

    @Override
    public List<String> names() {
        if (!Files.exists(models, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        checkNotLink(models);
        try (Stream<Path> dirs = Files.list(models)) {
            return dirs.map(d -> d.getFileName().toString())
                    .filter(FileSystemModelRepository::isValidName)
                    .filter(n -> !versionNumbers(models.resolve(n)).isEmpty())
                    .sorted()
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new RepositoryException(
                    "cannot list " + models + ": " + RepositoryFiles.describe(e), e);
        }
    }

    @Override
    public List<ModelCard> versions(String name) {
        List<ModelCard> cards = new ArrayList<>();
        for (ListedVersion v : listing(name)) {
            if (v.isReadable()) {
                cards.add(v.card());
            } else {
                LOG.warn("{}:{} is left out of the listing: {}", name, v.version(), v.problem());
            }
        }
        return cards;
    }

    @Override
    public List<ListedVersion> listing(String name) {
        Path modelDir = modelDir(name);
        List<Integer> numbers = versionNumbers(modelDir);
        List<ListedVersion> out = new ArrayList<>();
        for (int v : numbers) {
            try {
                out.add(ListedVersion.of(readCard(name, v)));
            } catch (ModelNotFoundException e) {
                // Deleted since the folder was listed: it is gone, not broken.
            } catch (MalformedModelException e) {
                out.add(ListedVersion.broken(v, e.getMessage()));
            }
        }
        if (out.isEmpty()) {
            throw notFound(name);
        }
        return out;
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
            Map<String, Integer> aliases = readAliases(modelDir);
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
                    (ref.isAlias() ? "alias '" + ref.alias() + "' points at " : "")
                            + "version "
                            + version
                            + " of model '"
                            + ref.name()
                            + "', which is not found; versions: "
                            + numbers);
        }
        try {
            return readCard(ref.name(), version);
        } catch (MalformedModelException e) {
            if (!ref.isAlias()) {
                throw e;
            }
            throw new MalformedModelException(
                    "alias '"
                            + ref.alias()
                            + "' of model '"
                            + ref.name()
                            + "' points at version "
                            + version
                            + ", which cannot be used: "
                            + e.getMessage(),
                    e);
        }
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
        checkNotLink(file);
        Properties props = new Properties();
        try {
            String text = RepositoryFiles.readText(file, MAX_ALIASES_BYTES);
            if (text == null) {
                return Map.of();
            }
            props.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new RepositoryException(
                    "cannot read aliases file " + file + ": " + RepositoryFiles.describe(e), e);
        }
        Map<String, Integer> out = new TreeMap<>();
        for (String key : props.stringPropertyNames()) {
            String value = props.getProperty(key).trim();
            Integer version = parseVersion(value);
            if (version == null || version == 0) {
                throw new RepositoryException(
                        "corrupt aliases file "
                                + file
                                + ": alias '"
                                + excerpt(key)
                                + "' points at '"
                                + excerpt(value)
                                + "', expected a version number from 1 to "
                                + ModelRef.MAX_VERSION);
            }
            out.put(key, version);
        }
        return out;
    }

    @Override
    public void setAlias(String name, String alias, int version) {
        ModelRef.checkName(alias, "alias");
        resolve(ModelRef.of(name, version)); // throws if the version does not exist or is broken
        locked(
                name,
                "set alias '" + alias + "' of model '" + name + "'",
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
        return locked(
                name,
                "remove alias '" + alias + "' of model '" + name + "'",
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
        ModelRef ref = ModelRef.of(name, version);
        Path modelDir = modelDir(name);
        if (versionNumbers(modelDir).isEmpty()) {
            throw notFound(name);
        }
        locked(
                name,
                "delete " + ref,
                () -> {
                    // Checked under the lock: of two concurrent deletes, the second finds nothing.
                    List<Integer> numbers = versionNumbers(modelDir);
                    if (!numbers.contains(version)) {
                        throw new ModelNotFoundException(
                                "version "
                                        + version
                                        + " of model '"
                                        + name
                                        + "' not found; versions: "
                                        + numbers);
                    }
                    List<String> pointing =
                            readAliases(modelDir).entrySet().stream()
                                    .filter(e -> e.getValue() == version)
                                    .map(Map.Entry::getKey)
                                    .collect(Collectors.toList());
                    if (!pointing.isEmpty()) {
                        throw new IllegalStateException(
                                "cannot delete "
                                        + ref
                                        + " while aliases point at it: "
                                        + pointing
                                        + "; move or remove them first");
                    }
                    // Rename first so readers never see a half-deleted version. A link in place of
                    // the version folder is renamed and deleted itself, never followed.
                    Path doomed =
                            temporaries.resolve(
                                    TMP_PREFIX + "deleted-" + name + "-" + UUID.randomUUID());
                    RepositoryFiles.move(modelDir.resolve(Integer.toString(version)), doomed);
                    RepositoryFiles.fsync(modelDir);
                    RepositoryFiles.deleteRecursively(doomed);
                    return null;
                });
        LOG.debug("deleted {}", ref);
    }

    @Override
    public Path verifiedArtifacts(ModelCard card) {
        // Checked first: a path in a forged card must not be opened at all.
        card.artifacts().keySet().forEach(ModelPackage::checkRelativePath);
        Path dir = versionDir(card.name(), card.version());
        checkNoForeignFiles(card, dir);
        for (Map.Entry<String, String> a : card.artifacts().entrySet()) {
            Path file = dir.resolve(ModelPackage.checkRelativePath(a.getKey()));
            String actual;
            try {
                actual = RepositoryFiles.sha256(file);
            } catch (NoSuchFileException e) {
                checkStillThere(card, dir, e);
                throw new MalformedModelException(
                        "artifact file "
                                + a.getKey()
                                + " of "
                                + card.ref()
                                + " is missing: "
                                + file);
            } catch (IOException e) {
                checkStillThere(card, dir, e);
                throw new MalformedModelException(
                        "cannot read artifact file "
                                + a.getKey()
                                + " of "
                                + card.ref()
                                + ": "
                                + RepositoryFiles.describe(e),
                        e);
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

    @Override
    public String modelDocument(String name, String kind) {
        Path modelDir = modelDir(name);
        if (versionNumbers(modelDir).isEmpty()) {
            throw notFound(name);
        }
        return readDocument(documentFile(modelDir, kind));
    }

    @Override
    public String updateModelDocument(String name, String kind, UnaryOperator<String> update) {
        Path modelDir = modelDir(name);
        Path file = documentFile(modelDir, kind);
        if (versionNumbers(modelDir).isEmpty()) {
            throw notFound(name);
        }
        return locked(
                modelDir,
                "update " + kind + " of model '" + name + "'",
                () -> replaceDocument(file, update));
    }

    @Override
    public String document(String kind) {
        return readDocument(documentFile(meta, kind));
    }

    @Override
    public String updateDocument(String kind, UnaryOperator<String> update) {
        Path file = documentFile(meta, kind);
        return locked(meta, "update " + kind, () -> replaceDocument(file, update));
    }

    private static Path documentFile(Path dir, String kind) {
        Path file = dir.resolve(ModelRef.checkName(kind, "document kind") + ".json");
        checkNotLink(file);
        return file;
    }

    private static String readDocument(Path file) {
        try {
            return RepositoryFiles.readText(file, MAX_DOCUMENT_BYTES);
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot read " + file + ": " + RepositoryFiles.describe(e), e);
        }
    }

    /** Applies {@code update} to a document; call holding its folder's lock. */
    private String replaceDocument(Path file, UnaryOperator<String> update) throws IOException {
        String current = RepositoryFiles.readText(file, MAX_DOCUMENT_BYTES);
        String next = update.apply(current);
        if (next == null) {
            Files.deleteIfExists(file);
        } else if (!next.equals(current)) {
            files.writeDurably(file, next);
        }
        return next;
    }

    /** Says a version deleted while it was read is gone, rather than broken. */
    private static void checkStillThere(ModelCard card, Path dir, Exception e) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new ModelNotFoundException(
                    card.ref() + " was deleted while its files were being read", e);
        }
    }

    /** Refuses files in a version folder that the card does not list: they were never checked. */
    private static void checkNoForeignFiles(ModelCard card, Path dir) {
        List<String> foreign = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> !RepositoryFiles.isFolder(p))
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(rel -> !rel.equals(CARD) && !card.artifacts().containsKey(rel))
                    .sorted()
                    .forEach(foreign::add);
        } catch (IOException | UncheckedIOException e) {
            checkStillThere(card, dir, e);
            throw new MalformedModelException(
                    "cannot list files of "
                            + card.ref()
                            + " in "
                            + dir
                            + ": "
                            + RepositoryFiles.describe(e),
                    e);
        }
        if (!foreign.isEmpty()) {
            checkStillThere(card, dir, null);
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

    /** Returns the model's folder, refusing a link in place of it or of {@code models}. */
    private Path modelDir(String name) {
        Path dir = models.resolve(ModelRef.checkName(name, "model name"));
        checkNotLink(models);
        checkNotLink(dir);
        return dir;
    }

    /**
     * Returns a version's folder.
     *
     * @throws ModelNotFoundException if it does not exist (deleted meanwhile)
     * @throws MalformedModelException if it is a link or not a folder
     */
    private Path versionDir(String name, int version) {
        Path dir = modelDir(name).resolve(Integer.toString(version));
        BasicFileAttributes a;
        try {
            a = RepositoryFiles.attributes(dir);
        } catch (IOException e) {
            throw new MalformedModelException(
                    "cannot read folder " + dir + ": " + RepositoryFiles.describe(e), e);
        }
        if (a == null) {
            throw gone(name, version);
        }
        if (!a.isDirectory()) {
            throw broken(
                    name,
                    version,
                    dir + " is " + RepositoryFiles.kind(a) + ", expected a folder",
                    null);
        }
        return dir;
    }

    /**
     * Reads and checks one version's card.
     *
     * @throws ModelNotFoundException if the version folder is gone (deleted meanwhile)
     * @throws MalformedModelException saying why the card cannot be used
     */
    private ModelCard readCard(String name, int version) {
        Path dir = versionDir(name, version);
        Path file = dir.resolve(CARD);
        String json;
        try {
            json = RepositoryFiles.readText(file, MAX_CARD_BYTES);
        } catch (IOException e) {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw gone(name, version);
            }
            throw broken(
                    name, version, "cannot read its model card: " + RepositoryFiles.describe(e), e);
        }
        if (json == null) {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw gone(name, version);
            }
            throw broken(name, version, "its model card " + file + " is missing", null);
        }
        ModelCard card;
        try {
            card = CardCodec.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw broken(name, version, e.getMessage() + " in " + file, e);
        }
        if (!card.name().equals(name) || card.version() != version) {
            throw broken(
                    name,
                    version,
                    "model card " + file + " describes " + card.name() + ":" + card.version(),
                    null);
        }
        return card;
    }

    private static ModelNotFoundException gone(String name, int version) {
        return new ModelNotFoundException(
                "version " + version + " of model '" + name + "' not found (deleted?)");
    }

    private static MalformedModelException broken(
            String name, int version, String why, Throwable cause) {
        return new MalformedModelException(
                "version " + version + " of model '" + name + "' is broken: " + why, cause);
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

    /**
     * Returns the version numbers of a model: every entry named like a version, readable or not, so
     * that a broken version is reported rather than hidden.
     */
    private static List<Integer> versionNumbers(Path modelDir) {
        if (!RepositoryFiles.isFolder(modelDir)) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(modelDir)) {
            for (Path d : dirs) {
                String n = d.getFileName().toString();
                if (VERSION_FOLDER.matcher(n).matches()) {
                    out.add(Integer.parseInt(n));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot list " + modelDir + ": " + RepositoryFiles.describe(e), e);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /** Returns the next version of a model, checking its counter; call under the model's lock. */
    private int nextVersion(String name, Path modelDir) throws IOException {
        Path counter = modelDir.resolve(LAST_VERSION);
        checkNotLink(counter);
        String text;
        try {
            text = RepositoryFiles.readText(counter, 64);
        } catch (IOException e) {
            throw new IOException(
                    "corrupt version counter " + counter + ": " + RepositoryFiles.describe(e), e);
        }
        int last = 0;
        if (text != null) {
            Integer parsed = parseVersion(text.trim());
            if (parsed == null) {
                throw new IOException(
                        "corrupt version counter "
                                + counter
                                + ": found '"
                                + excerpt(text.trim())
                                + "', expected a version number from 0 to "
                                + ModelRef.MAX_VERSION
                                + "; restore it (it must be at least the highest version folder"
                                + " ever published) or delete it to recount from the folders");
            }
            last = parsed;
        }
        // Any version folder counts, even a broken one: its number must not be handed out.
        for (int v : versionNumbers(modelDir)) {
            last = Math.max(last, v);
        }
        if (last >= ModelRef.MAX_VERSION) {
            throw new IOException(
                    "model '"
                            + name
                            + "' has used every version number up to "
                            + ModelRef.MAX_VERSION
                            + " (counter "
                            + counter
                            + "); publish under another name");
        }
        return last + 1;
    }

    /** Parses {@code 0} to {@link ModelRef#MAX_VERSION} written in decimal; null otherwise. */
    private static Integer parseVersion(String text) {
        if (!text.matches("[0-9]{1,9}")) {
            return null;
        }
        return Integer.parseInt(text);
    }

    /** Shows at most 20 characters of untrusted file content, control characters escaped. */
    private static String excerpt(String text) {
        String shown = text.length() > 20 ? text.substring(0, 20) + "..." : text;
        StringBuilder sb = new StringBuilder();
        shown.codePoints()
                .forEach(
                        c -> {
                            if (Character.isISOControl(c)) {
                                sb.append(String.format("\\u%04x", c));
                            } else {
                                sb.appendCodePoint(c);
                            }
                        });
        return sb.toString();
    }

    private void writeAliases(String name, Map<String, Integer> aliases) throws IOException {
        StringBuilder sb = new StringBuilder("# alias=version, written atomically by maas\n");
        for (Map.Entry<String, Integer> e : aliases.entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        files.writeDurably(modelDir(name).resolve(ALIASES), sb.toString());
    }

    /**
     * Runs {@code action} holding the model's locks; an I/O failure becomes a {@link
     * RepositoryException} saying it could not {@code what}.
     */
    private <T> T locked(String name, String what, IoSupplier<T> action) {
        return locked(modelDir(name), what, action);
    }

    /** As {@link #locked(String, String, IoSupplier)}, with the lock of {@code folder}. */
    private <T> T locked(Path folder, String what, IoSupplier<T> action) {
        try {
            return withLock(folder, action);
        } catch (IOException e) {
            throw new RepositoryException("cannot " + what + ": " + RepositoryFiles.describe(e), e);
        }
    }

    /** Runs {@code action} holding the model's in-process and inter-process locks. */
    private <T> T withLock(String name, IoSupplier<T> action) throws IOException {
        return withLock(modelDir(name), action);
    }

    /** Runs {@code action} holding the in-process and inter-process locks of {@code folder}. */
    private <T> T withLock(Path folder, IoSupplier<T> action) throws IOException {
        Path lockFile = folder.resolve(LOCK);
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try {
            createLayout();
            files.createFolders(folder);
            checkNotLink(folder);
            checkNotLink(lockFile);
            try (FileChannel ch = files.openLockFile(lockFile);
                    FileLock ignored = ch.lock()) {
                return action.get();
            }
        } finally {
            jvmLock.unlock();
        }
    }

    @FunctionalInterface
    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    /** Removes what crashed publishes and deletes left in {@code .tmp}, once clearly abandoned. */
    private void purgeStaleTemporaries() {
        if (!RepositoryFiles.isFolder(temporaries)) {
            return;
        }
        Instant cutoff = clock.instant().minus(STALE_TEMPORARY);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(temporaries)) {
            for (Path p : entries) {
                if (newestModification(p).isBefore(cutoff)) {
                    LOG.info("removing abandoned temporary folder {}", p);
                    RepositoryFiles.deleteRecursively(p);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot clean {}: {}", temporaries, e.toString());
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
}
