package dev.maas.catalog.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.maas.ChecksumMismatchException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.RepositoryException;
import dev.maas.audit.AuditLog;
import dev.maas.catalog.CatalogIndex;
import dev.maas.catalog.CatalogQuery;
import dev.maas.repository.CardCodec;
import dev.maas.repository.ListedVersion;
import dev.maas.repository.ModelRepository;
import dev.maas.repository.RepositoryListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared model catalog on PostgreSQL: a {@link ModelRepository} that many service instances, in
 * one process or many, use at once, with artifacts in a {@link BlobStore}.
 *
 * <pre>{@code
 * try (PostgresCatalog catalog = PostgresCatalog.connect(
 *             "jdbc:postgresql://db:5432/maas", "maas", password, Path.of("/shared/maas-blobs"));
 *         ModelService maas = ModelService.builder().repository(catalog).build()) {
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Schema.</b> Opening a catalog migrates its database to the current schema (Flyway, the
 * migrations in {@code dev/maas/catalog/postgres/migration}); several instances opening at once
 * migrate once. Connections come from a pool (HikariCP).
 *
 * <p><b>Transactions.</b> Every change of a model locks the model's row (its version counter) for
 * the length of its transaction: publishes from any number of instances get distinct, gap-free
 * versions, an alias moves atomically, a version aliased meanwhile is never deleted, and a document
 * update reads and writes under that lock, so none is lost. A publish writes the artifacts into the
 * blob store first (content-addressed by SHA-256, identical files stored once) and then records the
 * version, its files and its search index in one transaction: a failure anywhere, the connection
 * killed included, leaves no version; the blobs it wrote are referenced by nothing and removed by
 * {@link #collectGarbage}.
 *
 * <p><b>Changes seen at once.</b> Each change notifies the channel {@code maas_catalog} in its
 * transaction (delivered at commit). {@link #addListener} listens on a connection of its own and
 * tells listeners which model changed; a {@link dev.maas.ModelService} drops what it had resolved
 * for it. When that connection is lost, it reconnects and then reports that anything may have
 * changed; meanwhile the service's resolve refresh (polling) is the fallback.
 *
 * <p><b>Search.</b> Every version's name, tags, task, description and intended use are indexed (a
 * generated {@code tsvector} with a GIN index) in the publish's transaction; as a {@link
 * CatalogIndex} the catalog narrows the marketplace's searches to the models whose latest version
 * matches every term as a word prefix and passes the exact filters.
 *
 * <p><b>Artifacts on disk.</b> {@link #verifiedArtifacts} copies a version's blobs into a folder of
 * its own under the cache folder (by default {@code <blob folder>/versions}), checks every file
 * against the card's SHA-256 each time it is asked, and rebuilds the folder if it does not match.
 *
 * <p><b>Errors.</b> A database that cannot be reached gives a {@link RepositoryException} naming
 * the JDBC URL (a password in it is shown as {@code ***}) and the user, never the password. A
 * catalog whose database is down keeps failing fast; it recovers by itself once the database is
 * back (the pool opens new connections).
 *
 * <p>Thread-safe. Close it after the services that use it; closing is idempotent.
 */
public final class PostgresCatalog implements ModelRepository, CatalogIndex, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresCatalog.class);
    private static final Pattern ASCII_TERM = Pattern.compile("[a-z0-9]+");
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)([?&;]password=)[^&;]*");

    /** How many model names an error message lists at most. */
    private static final int NAMES_SHOWN = 20;

    private final String shownUrl;
    private final String user;
    private final HikariDataSource pool;
    private final BlobStore blobs;
    private final Path cache;
    private final Clock clock;
    private final ChangeFeed feed;
    private final PostgresAuditLog audit;
    private final ConcurrentHashMap<String, Object> materialising = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private PostgresCatalog(Builder b) {
        this.shownUrl = redact(b.jdbcUrl);
        this.user = b.user;
        this.blobs = b.blobs;
        this.cache = b.cacheFolder.toAbsolutePath().normalize();
        this.clock = b.clock;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(b.jdbcUrl);
        if (b.user != null) {
            config.setUsername(b.user);
        }
        if (b.password != null) {
            config.setPassword(b.password);
        }
        config.setPoolName("maas-catalog");
        config.setMaximumPoolSize(b.maxPoolSize);
        config.setMinimumIdle(Math.min(2, b.maxPoolSize));
        config.setConnectionTimeout(b.connectTimeout.toMillis());
        config.setInitializationFailTimeout(b.connectTimeout.toMillis());
        config.setValidationTimeout(Math.min(5_000, b.connectTimeout.toMillis()));
        long seconds = Math.max(1, b.connectTimeout.toSeconds());
        config.addDataSourceProperty("connectTimeout", Long.toString(seconds));
        config.addDataSourceProperty("ApplicationName", "maas");
        try {
            this.pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new RepositoryException(
                    "cannot connect to the model catalog at "
                            + shownUrl
                            + (b.user != null ? " as user '" + b.user + "'" : "")
                            + ": "
                            + rootMessage(e),
                    e);
        }
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:dev/maas/catalog/postgres/migration")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            pool.close();
            throw new RepositoryException(
                    "cannot bring the model catalog at "
                            + shownUrl
                            + " to the current schema: "
                            + rootMessage(e),
                    e);
        }
        Properties props = new Properties();
        if (b.user != null) {
            props.setProperty("user", b.user);
        }
        if (b.password != null) {
            props.setProperty("password", b.password);
        }
        props.setProperty("connectTimeout", Long.toString(seconds));
        props.setProperty("ApplicationName", "maas-listen");
        this.feed = new ChangeFeed(b.jdbcUrl, props, shownUrl);
        this.audit = new PostgresAuditLog(this, b.clock);
        LOG.debug("opened the model catalog at {} (blobs: {})", shownUrl, blobs);
    }

    /**
     * Opens the catalog at {@code jdbcUrl} with artifacts in the shared folder {@code blobFolder},
     * migrating the database's schema if needed.
     *
     * @throws RepositoryException if the database cannot be reached or migrated; the message names
     *     the URL and the user, never the password
     */
    public static PostgresCatalog connect(
            String jdbcUrl, String user, String password, Path blobFolder) {
        return builder(jdbcUrl).user(user).password(password).blobFolder(blobFolder).build();
    }

    /** Returns a builder for the catalog at {@code jdbcUrl} ({@code jdbc:postgresql://...}). */
    public static Builder builder(String jdbcUrl) {
        return new Builder(jdbcUrl);
    }

    /** Returns the JDBC URL, any password in it replaced by {@code ***}. */
    public String url() {
        return shownUrl;
    }

    /** Returns the blob store holding the artifacts. */
    public BlobStore blobStore() {
        return blobs;
    }

    /** Returns the audit log kept in the catalog's database, hash-chained. */
    @Override
    public Optional<AuditLog> auditLog() {
        return Optional.of(audit);
    }

    // ---- versions ----

    @Override
    public ModelCard publish(ModelPackage modelPackage) {
        Objects.requireNonNull(modelPackage, "modelPackage");
        checkOpen();
        ModelCard template = modelPackage.card();
        String name = ModelRef.checkName(template.name(), "model name");
        Map<String, String> checksums = new TreeMap<>();
        Map<String, Long> sizes = new TreeMap<>();
        for (Map.Entry<String, Path> f : modelPackage.files().entrySet()) {
            String rel = ModelPackage.checkRelativePath(f.getKey());
            try {
                checksums.put(rel, blobs.put(f.getValue()));
                sizes.put(rel, Files.size(f.getValue()));
            } catch (IOException | UncheckedIOException e) {
                throw new RepositoryException(
                        "cannot publish model '"
                                + name
                                + "': cannot store "
                                + rel
                                + " ("
                                + f.getValue()
                                + "): "
                                + describe(e)
                                + "; nothing was stored",
                        e);
            }
        }
        ModelCard card =
                inTransaction(
                        "publish model '" + name + "'",
                        c -> {
                            update(
                                    c,
                                    "INSERT INTO models (name) VALUES (?) ON CONFLICT DO NOTHING",
                                    name);
                            int last = lockModel(c, name);
                            if (last >= ModelRef.MAX_VERSION) {
                                throw new RepositoryException(
                                        "model '"
                                                + name
                                                + "' has used every version number up to "
                                                + ModelRef.MAX_VERSION
                                                + "; publish under another name");
                            }
                            int version = last + 1;
                            ModelCard stored =
                                    template.toBuilder()
                                            .version(version)
                                            .createdAt(clock.instant())
                                            .artifacts(checksums)
                                            .build();
                            insertVersion(c, stored);
                            try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "INSERT INTO artifacts (name, version, path, sha256,"
                                                    + " size) VALUES (?, ?, ?, ?, ?)")) {
                                for (Map.Entry<String, String> a : checksums.entrySet()) {
                                    ps.setString(1, name);
                                    ps.setInt(2, version);
                                    ps.setString(3, a.getKey());
                                    ps.setString(4, a.getValue());
                                    ps.setLong(5, sizes.get(a.getKey()));
                                    ps.addBatch();
                                }
                                ps.executeBatch();
                            }
                            update(
                                    c,
                                    "UPDATE models SET last_version = ? WHERE name = ?",
                                    version,
                                    name);
                            notifyChange(c, name);
                            return stored;
                        });
        LOG.debug("published {} ({} files)", card.ref(), checksums.size());
        return card;
    }

    private static void insertVersion(Connection c, ModelCard card) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO versions (name, version, card, created_at, task, description,"
                                + " intended_use, tags_text, task_lower, owner_lower,"
                                + " engine_lower, license_lower, visibility, tags_lower)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, card.name());
            ps.setInt(2, card.version());
            ps.setString(3, CardCodec.toJson(card));
            ps.setTimestamp(4, Timestamp.from(card.createdAt()));
            ps.setString(5, card.task());
            ps.setString(6, card.description());
            ps.setString(7, card.intendedUse());
            ps.setString(8, String.join(" ", card.tags()));
            ps.setString(9, lower(card.task()));
            ps.setString(10, lower(card.owner()));
            ps.setString(11, lower(card.engine()));
            ps.setString(12, lower(card.license()));
            ps.setString(13, card.visibility().name());
            ps.setArray(
                    14,
                    c.createArrayOf(
                            "text", card.tags().stream().map(PostgresCatalog::lower).toArray()));
            ps.executeUpdate();
        }
    }

    @Override
    public List<String> names() {
        return inConnection(
                "list models",
                c -> {
                    List<String> out = new ArrayList<>();
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT DISTINCT name COLLATE \"C\" AS n FROM versions"
                                                    + " ORDER BY n");
                            ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(rs.getString(1));
                        }
                    }
                    return out;
                });
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
        ModelRef.checkName(name, "model name");
        List<ListedVersion> out =
                inConnection(
                        "list versions of model '" + name + "'",
                        c -> {
                            List<ListedVersion> l = new ArrayList<>();
                            try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT version, card FROM versions WHERE name = ?"
                                                    + " ORDER BY version")) {
                                ps.setString(1, name);
                                try (ResultSet rs = ps.executeQuery()) {
                                    while (rs.next()) {
                                        int v = rs.getInt(1);
                                        try {
                                            l.add(
                                                    ListedVersion.of(
                                                            parseCard(name, v, rs.getString(2))));
                                        } catch (MalformedModelException e) {
                                            l.add(ListedVersion.broken(v, e.getMessage()));
                                        }
                                    }
                                }
                            }
                            return l;
                        });
        if (out.isEmpty()) {
            throw notFound(name);
        }
        return out;
    }

    @Override
    public ModelCard resolve(ModelRef ref) {
        Objects.requireNonNull(ref, "ref");
        String name = ref.name();
        return inConnection(
                "resolve " + ref,
                c -> {
                    if (ref.isAlias()) {
                        try (PreparedStatement ps =
                                c.prepareStatement(
                                        "SELECT a.version, v.card FROM aliases a JOIN versions v"
                                                + " ON v.name = a.name AND v.version = a.version"
                                                + " WHERE a.name = ? AND a.alias = ?")) {
                            ps.setString(1, name);
                            ps.setString(2, ref.alias());
                            try (ResultSet rs = ps.executeQuery()) {
                                if (rs.next()) {
                                    int v = rs.getInt(1);
                                    try {
                                        return parseCard(name, v, rs.getString(2));
                                    } catch (MalformedModelException e) {
                                        throw new MalformedModelException(
                                                "alias '"
                                                        + ref.alias()
                                                        + "' of model '"
                                                        + name
                                                        + "' points at version "
                                                        + v
                                                        + ", which cannot be used: "
                                                        + e.getMessage(),
                                                e);
                                    }
                                }
                            }
                        }
                        if (versionNumbers(c, name).isEmpty()) {
                            throw notFound(c, name);
                        }
                        Map<String, Integer> aliases = aliases(c, name);
                        throw new ModelNotFoundException(
                                "alias '"
                                        + ref.alias()
                                        + "' of model '"
                                        + name
                                        + "' not found; aliases: "
                                        + (aliases.isEmpty() ? "none" : aliases));
                    }
                    String sql =
                            ref.isLatest()
                                    ? "SELECT version, card FROM versions WHERE name = ?"
                                            + " ORDER BY version DESC LIMIT 1"
                                    : "SELECT version, card FROM versions WHERE name = ?"
                                            + " AND version = ?";
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setString(1, name);
                        if (!ref.isLatest()) {
                            ps.setInt(2, ref.version());
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                return parseCard(name, rs.getInt(1), rs.getString(2));
                            }
                        }
                    }
                    List<Integer> numbers = versionNumbers(c, name);
                    if (numbers.isEmpty()) {
                        throw notFound(c, name);
                    }
                    throw new ModelNotFoundException(
                            "version "
                                    + ref.version()
                                    + " of model '"
                                    + name
                                    + "', which is not found; versions: "
                                    + numbers);
                });
    }

    // ---- aliases ----

    @Override
    public Map<String, Integer> aliases(String name) {
        ModelRef.checkName(name, "model name");
        return inConnection(
                "read aliases of model '" + name + "'",
                c -> {
                    if (versionNumbers(c, name).isEmpty()) {
                        throw notFound(c, name);
                    }
                    return aliases(c, name);
                });
    }

    private static Map<String, Integer> aliases(Connection c, String name) throws SQLException {
        Map<String, Integer> out = new TreeMap<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT alias, version FROM aliases WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return out;
    }

    @Override
    public void setAlias(String name, String alias, int version) {
        ModelRef.checkName(name, "model name");
        ModelRef.checkName(alias, "alias");
        ModelRef.checkVersion(version, 1);
        inTransaction(
                "set alias '" + alias + "' of model '" + name + "'",
                c -> {
                    lockExistingModel(c, name);
                    List<Integer> numbers = versionNumbers(c, name);
                    if (!numbers.contains(version)) {
                        throw new ModelNotFoundException(
                                "version "
                                        + version
                                        + " of model '"
                                        + name
                                        + "' not found; versions: "
                                        + numbers);
                    }
                    update(
                            c,
                            "INSERT INTO aliases (name, alias, version) VALUES (?, ?, ?)"
                                    + " ON CONFLICT (name, alias) DO UPDATE SET version ="
                                    + " EXCLUDED.version",
                            name,
                            alias,
                            version);
                    notifyChange(c, name);
                    return null;
                });
        LOG.debug("alias {}@{} -> {}", name, alias, version);
    }

    @Override
    public boolean removeAlias(String name, String alias) {
        ModelRef.checkName(name, "model name");
        ModelRef.checkName(alias, "alias");
        return inTransaction(
                "remove alias '" + alias + "' of model '" + name + "'",
                c -> {
                    lockExistingModel(c, name);
                    boolean removed =
                            update(
                                            c,
                                            "DELETE FROM aliases WHERE name = ? AND alias = ?",
                                            name,
                                            alias)
                                    > 0;
                    if (removed) {
                        notifyChange(c, name);
                    }
                    return removed;
                });
    }

    @Override
    public void delete(String name, int version) {
        ModelRef ref = ModelRef.of(name, version);
        inTransaction(
                "delete " + ref,
                c -> {
                    lockExistingModel(c, name);
                    List<Integer> numbers = versionNumbers(c, name);
                    if (!numbers.contains(version)) {
                        throw new ModelNotFoundException(
                                "version "
                                        + version
                                        + " of model '"
                                        + name
                                        + "' not found; versions: "
                                        + numbers);
                    }
                    List<String> pointing = new ArrayList<>();
                    aliases(c, name)
                            .forEach(
                                    (a, v) -> {
                                        if (v == version) {
                                            pointing.add(a);
                                        }
                                    });
                    if (!pointing.isEmpty()) {
                        throw new IllegalStateException(
                                "cannot delete "
                                        + ref
                                        + " while aliases point at it: "
                                        + pointing
                                        + "; move or remove them first");
                    }
                    update(c, "DELETE FROM versions WHERE name = ? AND version = ?", name, version);
                    notifyChange(c, name);
                    return null;
                });
        deleteQuietly(versionCache(name, version));
        LOG.debug("deleted {}", ref);
    }

    // ---- documents ----

    @Override
    public String modelDocument(String name, String kind) {
        ModelRef.checkName(name, "model name");
        ModelRef.checkName(kind, "document kind");
        return inConnection(
                "read " + kind + " of model '" + name + "'",
                c -> {
                    if (versionNumbers(c, name).isEmpty()) {
                        throw notFound(c, name);
                    }
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT body FROM model_documents WHERE name = ? AND kind ="
                                            + " ?")) {
                        ps.setString(1, name);
                        ps.setString(2, kind);
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next() ? rs.getString(1) : null;
                        }
                    }
                });
    }

    @Override
    public String updateModelDocument(String name, String kind, UnaryOperator<String> update) {
        ModelRef.checkName(name, "model name");
        ModelRef.checkName(kind, "document kind");
        Objects.requireNonNull(update, "update");
        return inTransaction(
                "update " + kind + " of model '" + name + "'",
                c -> {
                    if (versionNumbers(c, name).isEmpty()) {
                        throw notFound(c, name);
                    }
                    update(
                            c,
                            "INSERT INTO model_documents (name, kind) VALUES (?, ?)"
                                    + " ON CONFLICT DO NOTHING",
                            name,
                            kind);
                    String current;
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT body FROM model_documents WHERE name = ? AND kind = ?"
                                            + " FOR UPDATE")) {
                        ps.setString(1, name);
                        ps.setString(2, kind);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            current = rs.getString(1);
                        }
                    }
                    String next = update.apply(current);
                    if (!Objects.equals(next, current)) {
                        update(
                                c,
                                "UPDATE model_documents SET body = ? WHERE name = ? AND kind = ?",
                                next,
                                name,
                                kind);
                        notifyChange(c, name);
                    }
                    return next;
                });
    }

    @Override
    public String document(String kind) {
        ModelRef.checkName(kind, "document kind");
        return inConnection(
                "read " + kind,
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement("SELECT body FROM documents WHERE kind = ?")) {
                        ps.setString(1, kind);
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next() ? rs.getString(1) : null;
                        }
                    }
                });
    }

    @Override
    public String updateDocument(String kind, UnaryOperator<String> update) {
        ModelRef.checkName(kind, "document kind");
        Objects.requireNonNull(update, "update");
        return inTransaction(
                "update " + kind,
                c -> {
                    update(
                            c,
                            "INSERT INTO documents (kind) VALUES (?) ON CONFLICT DO NOTHING",
                            kind);
                    String current;
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT body FROM documents WHERE kind = ? FOR UPDATE")) {
                        ps.setString(1, kind);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            current = rs.getString(1);
                        }
                    }
                    String next = update.apply(current);
                    if (!Objects.equals(next, current)) {
                        update(c, "UPDATE documents SET body = ? WHERE kind = ?", next, kind);
                        notifyChange(c, null);
                    }
                    return next;
                });
    }

    // ---- listeners ----

    @Override
    public boolean addListener(RepositoryListener listener) {
        Objects.requireNonNull(listener, "listener");
        checkOpen();
        feed.add(listener);
        return true;
    }

    @Override
    public void removeListener(RepositoryListener listener) {
        feed.remove(Objects.requireNonNull(listener, "listener"));
    }

    /** Returns whether the change feed is listening now (after the first listener was added). */
    public boolean listening() {
        return feed.connected();
    }

    // ---- search ----

    @Override
    public List<String> candidates(CatalogQuery query) {
        Objects.requireNonNull(query, "query");
        StringBuilder sql =
                new StringBuilder(
                        "SELECT v.name COLLATE \"C\" AS n FROM versions v WHERE v.version ="
                                + " (SELECT max(w.version) FROM versions w WHERE w.name = v.name)");
        List<Object> params = new ArrayList<>();
        List<String> terms = new ArrayList<>();
        for (String t : query.terms()) {
            // Other terms are left to the in-memory match: the database's notion of a letter
            // and of lower case may differ from Java's beyond ASCII.
            if (ASCII_TERM.matcher(t).matches()) {
                terms.add(t + ":*");
            }
        }
        if (!terms.isEmpty()) {
            sql.append(" AND v.search @@ to_tsquery('simple', ?)");
            params.add(String.join(" & ", terms));
        }
        filter(sql, params, "v.task_lower", query.task());
        filter(sql, params, "v.owner_lower", query.owner());
        filter(sql, params, "v.engine_lower", query.engine());
        filter(sql, params, "v.license_lower", query.license());
        if (query.visibility() != null) {
            sql.append(" AND v.visibility = ?");
            params.add(query.visibility().name());
        }
        if (!query.tags().isEmpty()) {
            sql.append(" AND v.tags_lower @> ?");
            params.add(query.tags().toArray(new String[0]));
        }
        sql.append(" ORDER BY n");
        return inConnection(
                "search models",
                c -> {
                    List<String> out = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                        int i = 1;
                        for (Object p : params) {
                            if (p instanceof String[] array) {
                                ps.setArray(i++, c.createArrayOf("text", array));
                            } else {
                                ps.setString(i++, (String) p);
                            }
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                out.add(rs.getString(1));
                            }
                        }
                    }
                    return out;
                });
    }

    private static void filter(StringBuilder sql, List<Object> params, String column, String v) {
        if (v != null) {
            sql.append(" AND ").append(column).append(" = ?");
            params.add(v);
        }
    }

    // ---- artifacts ----

    @Override
    public Path verifiedArtifacts(ModelCard card) {
        Objects.requireNonNull(card, "card");
        // Checked first: a path in a forged card must not be used at all.
        card.artifacts().keySet().forEach(ModelPackage::checkRelativePath);
        ModelRef.checkName(card.name(), "model name");
        boolean exists =
                inConnection(
                        "find " + card.ref(),
                        c -> versionNumbers(c, card.name()).contains(card.version()));
        if (!exists) {
            throw new ModelNotFoundException(
                    "version "
                            + card.version()
                            + " of model '"
                            + card.name()
                            + "' not found (deleted?)");
        }
        Path dir = versionCache(card.name(), card.version());
        Object lock = materialising.computeIfAbsent(card.ref().toString(), k -> new Object());
        synchronized (lock) {
            if (Files.isDirectory(dir) && mismatch(card, dir) == null) {
                return dir;
            }
            materialise(card, dir);
            String problem = mismatch(card, dir);
            if (problem != null) {
                throw new ChecksumMismatchException(dir, problem);
            }
            return dir;
        }
    }

    /** Copies the card's blobs into a new folder and moves it to {@code dir}, replacing it. */
    private void materialise(ModelCard card, Path dir) {
        Path tmp = cache.resolve(".tmp").resolve(UUID.randomUUID().toString());
        try {
            Files.createDirectories(tmp);
            for (Map.Entry<String, String> a : card.artifacts().entrySet()) {
                Path target = tmp.resolve(ModelPackage.checkRelativePath(a.getKey()));
                Files.createDirectories(target.getParent());
                try {
                    blobs.copyTo(a.getValue(), target);
                } catch (NoSuchFileException e) {
                    throw new MalformedModelException(
                            "artifact file "
                                    + a.getKey()
                                    + " of "
                                    + card.ref()
                                    + " is missing from the blob store "
                                    + blobs
                                    + " (SHA-256 "
                                    + a.getValue()
                                    + ")",
                            e);
                }
            }
            Files.createDirectories(dir.getParent());
            if (Files.exists(dir)) {
                Path doomed = cache.resolve(".tmp").resolve(UUID.randomUUID() + "-old");
                try {
                    Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
                } catch (NoSuchFileException e) {
                    // removed meanwhile
                }
                deleteQuietly(doomed);
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                // Another process materialised it meanwhile: checked by the caller.
            }
        } catch (IOException e) {
            throw new MalformedModelException(
                    "cannot copy the artifacts of "
                            + card.ref()
                            + " into "
                            + dir
                            + ": "
                            + describe(e),
                    e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Returns why {@code dir} does not hold exactly the card's files, or null if it does. */
    private static String mismatch(ModelCard card, Path dir) {
        try {
            Set<String> present = new HashSet<>();
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.filter(Files::isRegularFile)
                        .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                        .forEach(present::add);
            }
            for (Map.Entry<String, String> a : card.artifacts().entrySet()) {
                Path file = dir.resolve(a.getKey());
                if (!present.remove(a.getKey())) {
                    return "artifact file " + a.getKey() + " of " + card.ref() + " is missing";
                }
                String actual = sha256(file);
                if (!actual.equals(a.getValue())) {
                    return "checksum mismatch in "
                            + card.ref()
                            + " file "
                            + a.getKey()
                            + " ("
                            + file
                            + "): expected SHA-256 "
                            + a.getValue()
                            + ", found "
                            + actual;
                }
            }
            if (!present.isEmpty()) {
                return "files " + present + " in " + dir + " are not recorded in " + card.ref();
            }
            return null;
        } catch (IOException | UncheckedIOException e) {
            return "cannot read " + dir + ": " + describe(e);
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md = FolderBlobStore.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private Path versionCache(String name, int version) {
        return cache.resolve(ModelRef.checkName(name, "model name"))
                .resolve(Integer.toString(version));
    }

    /**
     * Removes the blobs no version references that are older than {@code grace} (blobs of failed or
     * abandoned publishes, and of deleted versions), and the cached folders of deleted versions.
     * The grace period protects publishes in progress: their blobs are written before their
     * transaction commits; keep it longer than any publish takes.
     *
     * @return how many blobs were removed
     * @throws RepositoryException if the catalog or the blob store cannot be read
     */
    public int collectGarbage(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative, was " + grace);
        }
        Instant cutoff = clock.instant().minus(grace);
        try {
            List<BlobStore.Blob> candidates = new ArrayList<>();
            for (BlobStore.Blob b : blobs.list()) {
                if (!b.lastModified().isAfter(cutoff)) {
                    candidates.add(b);
                }
            }
            // Read after listing: a blob referenced by a publish that commits meanwhile is newer
            // than the cutoff, or is in this set.
            Set<String> referenced =
                    inConnection(
                            "list referenced blobs",
                            c -> {
                                Set<String> s = new HashSet<>();
                                try (PreparedStatement ps =
                                                c.prepareStatement(
                                                        "SELECT DISTINCT sha256 FROM artifacts");
                                        ResultSet rs = ps.executeQuery()) {
                                    while (rs.next()) {
                                        s.add(rs.getString(1));
                                    }
                                }
                                return s;
                            });
            int removed = 0;
            for (BlobStore.Blob b : candidates) {
                if (!referenced.contains(b.sha256()) && blobs.delete(b.sha256())) {
                    removed++;
                }
            }
            removeDeletedVersionFolders();
            LOG.info("removed {} unreferenced blobs from {}", removed, blobs);
            return removed;
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot collect garbage in " + blobs + ": " + describe(e), e);
        }
    }

    private void removeDeletedVersionFolders() throws IOException {
        if (!Files.isDirectory(cache)) {
            return;
        }
        Map<String, List<Integer>> live = new LinkedHashMap<>();
        try (Stream<Path> models = Files.list(cache)) {
            for (Path m : models.toList()) {
                String name = m.getFileName().toString();
                if (!name.matches(ModelRef.NAME_PATTERN) || !Files.isDirectory(m)) {
                    continue;
                }
                List<Integer> numbers =
                        live.computeIfAbsent(
                                name,
                                n -> inConnection("list versions", c -> versionNumbers(c, n)));
                try (Stream<Path> versions = Files.list(m)) {
                    for (Path v : versions.toList()) {
                        String file = v.getFileName().toString();
                        if (file.matches("[1-9][0-9]{0,8}")
                                && !numbers.contains(Integer.parseInt(file))) {
                            deleteQuietly(v);
                        }
                    }
                }
            }
        }
    }

    // ---- plumbing ----

    /** Work on one connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction, committed if it returns and rolled back if it throws;
     * an {@link SQLException} becomes a {@link RepositoryException} saying it could not {@code
     * what}, other exceptions pass as they are.
     */
    <T> T inTransaction(String what, SqlWork<T> work) {
        checkOpen();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException re) {
                    e.addSuppressed(re);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Runs {@code work} on one connection in auto-commit mode; see {@link #inTransaction}. */
    <T> T inConnection(String what, SqlWork<T> work) {
        checkOpen();
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private RepositoryException failure(String what, SQLException e) {
        return new RepositoryException(
                "cannot "
                        + what
                        + " in the model catalog at "
                        + shownUrl
                        + (user != null ? " (user '" + user + "')" : "")
                        + ": "
                        + rootMessage(e)
                        + "; nothing was changed",
                e);
    }

    private static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    /** Locks the model's row for this transaction and returns its last version. */
    private static int lockModel(Connection c, String name) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT last_version FROM models WHERE name = ? FOR UPDATE")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        }
    }

    /** Locks the model's row, throwing if the model has no version. */
    private void lockExistingModel(Connection c, String name) throws SQLException {
        if (lockModel(c, name) < 0 || versionNumbers(c, name).isEmpty()) {
            throw notFound(c, name);
        }
    }

    private static List<Integer> versionNumbers(Connection c, String name) throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT version FROM versions WHERE name = ? ORDER BY version")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
        }
        return out;
    }

    /** Sends a change notification, delivered when the transaction commits. */
    private static void notifyChange(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, ChangeFeed.CHANNEL);
            ps.setString(2, name == null ? "" : name);
            ps.execute();
        }
    }

    private static ModelCard parseCard(String name, int version, String json) {
        ModelCard card;
        try {
            card = CardCodec.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(
                    "version " + version + " of model '" + name + "' is broken: " + e.getMessage(),
                    e);
        }
        if (!card.name().equals(name) || card.version() != version) {
            throw new MalformedModelException(
                    "version "
                            + version
                            + " of model '"
                            + name
                            + "' is broken: its card describes "
                            + card.name()
                            + ":"
                            + card.version());
        }
        return card;
    }

    private ModelNotFoundException notFound(String name) {
        return inConnection("list models", c -> notFound(c, name));
    }

    private ModelNotFoundException notFound(Connection c, String name) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT DISTINCT name COLLATE \"C\" AS n FROM versions ORDER BY n LIMIT "
                                + (NAMES_SHOWN + 1))) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        String shown =
                names.isEmpty()
                        ? "none"
                        : String.join(", ", names.subList(0, Math.min(NAMES_SHOWN, names.size())))
                                + (names.size() > NAMES_SHOWN ? ", ..." : "");
        return new ModelNotFoundException(
                "model '"
                        + name
                        + "' not found in the catalog at "
                        + shownUrl
                        + "; models: "
                        + shown);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the model catalog at " + shownUrl + " is closed");
        }
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    /**
     * Returns {@code url} with the value of any {@code password} parameter replaced by {@code ***},
     * for messages and logs.
     */
    public static String redact(String url) {
        return PASSWORD_PARAM.matcher(url).replaceAll("$1***");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    private static String describe(Exception e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static void deleteQuietly(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot remove {}: {}", path, e.toString());
        }
    }

    /** Stops listening and closes the connection pool. Safe to call more than once. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        feed.close();
        pool.close();
    }

    @Override
    public String toString() {
        return "PostgresCatalog[" + shownUrl + "]";
    }

    /** Builds {@link PostgresCatalog}s. Not thread-safe. */
    public static final class Builder {
        private final String jdbcUrl;
        private String user;
        private String password;
        private BlobStore blobs;
        private Path cacheFolder;
        private int maxPoolSize = 8;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Clock clock = Clock.systemUTC();

        private Builder(String jdbcUrl) {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException(
                        "expected a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database),"
                                + " was '"
                                + redact(jdbcUrl)
                                + "'");
            }
            this.jdbcUrl = jdbcUrl;
        }

        /** Sets the database user; default the URL's or the driver's. */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** Sets the database password; default the URL's or none. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /**
         * Keeps the artifacts in a {@link FolderBlobStore} in {@code folder}; required unless
         * {@link #blobStore} is set.
         */
        public Builder blobFolder(Path folder) {
            this.blobs = new FolderBlobStore(Objects.requireNonNull(folder, "folder"));
            if (cacheFolder == null) {
                this.cacheFolder = folder.resolve("versions");
            }
            return this;
        }

        /** Keeps the artifacts in {@code store}. */
        public Builder blobStore(BlobStore store) {
            this.blobs = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Sets the folder where versions' files are copied for engines to load; default {@code
         * <blob folder>/versions}, required with a {@link #blobStore} of another kind.
         */
        public Builder cacheFolder(Path folder) {
            this.cacheFolder = Objects.requireNonNull(folder, "folder");
            return this;
        }

        /**
         * Sets the most connections the pool opens; default 8.
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder maxPoolSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxPoolSize must be at least 1, was " + n);
            }
            this.maxPoolSize = n;
            return this;
        }

        /**
         * Sets how long opening and waiting for a connection may take before an operation fails;
         * default 5 seconds.
         *
         * @throws IllegalArgumentException if under 250 ms
         */
        public Builder connectTimeout(Duration timeout) {
            if (timeout.toMillis() < 250) {
                throw new IllegalArgumentException(
                        "connectTimeout must be at least 250 ms, was " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** Sets the clock of publish and audit times and of garbage collection's grace period. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Connects, migrates the schema and returns the catalog.
         *
         * @throws IllegalStateException if no blob store was set
         * @throws RepositoryException if the database cannot be reached or migrated (the message
         *     names the URL and the user, never the password)
         */
        public PostgresCatalog build() {
            if (blobs == null || cacheFolder == null) {
                throw new IllegalStateException(
                        "set blobFolder(...), or blobStore(...) and cacheFolder(...)");
            }
            return new PostgresCatalog(this);
        }
    }
}
