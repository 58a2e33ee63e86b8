package dev.maas.catalog.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server for the whole test JVM (started on first use, stopped when the JVM
 * exits); each test class takes a database of its own.
 */
final class TestDatabases {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgresServer server;

    private TestDatabases() {}

    static synchronized EmbeddedPostgresServer server() {
        if (server == null) {
            try {
                Path data = Files.createTempDirectory("maas-pg-test-");
                server = EmbeddedPostgresServer.start(data, 0);
                EmbeddedPostgresServer s = server;
                Runtime.getRuntime().addShutdownHook(new Thread(s::close));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    /** Creates a fresh database and returns its JDBC URL. */
    static String newDatabase(String prefix) {
        return server().createDatabase(prefix + "_" + COUNTER.incrementAndGet());
    }

    /** Runs SQL as the superuser on {@code url}'s database. */
    static void execute(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url, EmbeddedPostgresServer.USER, "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** Empties every table of the catalog at {@code url}, keeping the schema. */
    static void truncate(String url) {
        execute(
                url,
                "TRUNCATE models, versions, artifacts, aliases, model_documents, documents,"
                        + " audit_log, audit_head CASCADE");
    }

    static PostgresCatalog catalog(String url, Path blobs) {
        return PostgresCatalog.connect(url, EmbeddedPostgresServer.USER, "", blobs);
    }
}
