package dev.maas.catalog.postgres;

import static dev.maas.catalog.postgres.TwoInstancesTest.awaitVersion;
import static dev.maas.catalog.postgres.TwoInstancesTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.RepositoryException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A killed connection, a database that is not there, and one that goes away and comes back. */
class FaultsTest {
    @TempDir Path tmp;

    @Test
    void connectionKilledInTheMiddleOfAPublish_leavesNoVersion_andTheNextPublishSucceeds()
            throws Exception {
        String url = TestDatabases.newDatabase("kill");
        try (PostgresCatalog catalog = TestDatabases.catalog(url, tmp.resolve("blobs"))) {
            catalog.publish(TextModels.pkg(tmp, "m", "one"));
            CompletableFuture<ModelCard> publish;
            try (Connection blocker =
                    DriverManager.getConnection(url, EmbeddedPostgresServer.USER, "")) {
                blocker.setAutoCommit(false);
                try (Statement s = blocker.createStatement()) {
                    // The publish claims version 2 and inserts its row, then waits here.
                    s.execute("LOCK TABLE artifacts IN SHARE MODE");
                }
                publish =
                        CompletableFuture.supplyAsync(
                                () -> catalog.publish(TextModels.pkg(tmp, "m", "two")));
                int pid = awaitBlockedInsert(blocker);
                try (PreparedStatement ps =
                        blocker.prepareStatement("SELECT pg_terminate_backend(?)")) {
                    ps.setInt(1, pid);
                    ps.execute();
                }
                blocker.commit();
            }
            assertThatThrownBy(() -> publish.get(60, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(RepositoryException.class)
                    .hasMessageContaining("cannot publish model 'm'")
                    .hasMessageContaining(url);

            assertThat(catalog.versions("m")).extracting(ModelCard::version).containsExactly(1);
            assertThat(count(url, "SELECT count(*) FROM artifacts")).isEqualTo(1);
            assertThat(count(url, "SELECT last_version FROM models")).isEqualTo(1);
            ModelCard next = catalog.publish(TextModels.pkg(tmp, "m", "two again"));
            assertThat(next.version()).isEqualTo(2);
            // The killed publish's blob is referenced by nothing: collected, never served.
            assertThat(catalog.collectGarbage(Duration.ZERO)).isEqualTo(1);
            assertThat(catalog.blobStore().list()).hasSize(2);
            try (ModelService maas = TextModels.service(catalog, Duration.ofSeconds(1))) {
                assertThat(text(maas, ModelRef.of("m", 2))).isEqualTo("two again");
            }
        }
    }

    /**
     * Waits until the publish's backend waits for the lock the test holds (its transaction is open:
     * version claimed, rows inserted, nothing committed) and returns its process id.
     */
    private static int awaitBlockedInsert(Connection c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Statement s = c.createStatement();
                    ResultSet rs =
                            s.executeQuery(
                                    "SELECT pid, wait_event_type, query FROM pg_stat_activity"
                                            + " WHERE datname = current_database() AND pid <>"
                                            + " pg_backend_pid()")) {
                StringBuilder seen = new StringBuilder();
                while (rs.next()) {
                    if ("Lock".equals(rs.getString(2))) {
                        return rs.getInt(1);
                    }
                    seen.append(rs.getString(2)).append(": ").append(rs.getString(3)).append("; ");
                }
                assertThat(System.nanoTime())
                        .as("publish blocked within 60 s; sessions: %s", seen)
                        .isLessThan(deadline);
            }
            Thread.sleep(10);
        }
    }

    private static long count(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, EmbeddedPostgresServer.USER, "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void databaseDownAtStart_givesAnErrorNamingTheUrlAndUser_neverThePassword() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/maas?password=s3cret-in-url";
        assertThatThrownBy(
                        () ->
                                PostgresCatalog.builder(url)
                                        .user("maas")
                                        .password("s3cret-given")
                                        .blobFolder(tmp.resolve("blobs"))
                                        .connectTimeout(Duration.ofSeconds(2))
                                        .build())
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining(
                        "cannot connect to the model catalog at jdbc:postgresql://127.0.0.1:"
                                + port
                                + "/maas?password=***")
                .hasMessageContaining("user 'maas'")
                .hasMessageContaining("refused")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void notAPostgresUrl_isRefusedSayingWhatIsExpected() {
        assertThatThrownBy(() -> PostgresCatalog.builder("jdbc:mysql://db/maas"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a PostgreSQL JDBC URL");
    }

    @Test
    void databaseDownWhileServing_loadedModelsKeepServing_andEverythingRecovers() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = tmp.resolve("pg-data");
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(data, port);
        String url = server.createDatabase("serving");
        try (PostgresCatalog writer = catalog(url);
                PostgresCatalog reader = catalog(url);
                ModelService maas = TextModels.service(reader, Duration.ofMillis(200))) {
            writer.publish(TextModels.pkg(tmp, "m", "one"));
            writer.setAlias("m", "production", 1);
            ModelRef production = ModelRef.alias("m", "production");
            TwoInstancesTest.waitUntilListening(reader);
            // Notifications arrive in commit order, and listeners are told in the order they were
            // added: once this one hears the sync, the service has handled every earlier change.
            CountDownLatch synced = new CountDownLatch(1);
            // Only the store-wide document's notification (no name) is the sync: the alias
            // move's, heard later, would be mistaken for it.
            reader.addListener(
                    name -> {
                        if (name == null) {
                            synced.countDown();
                        }
                    });
            writer.updateDocument("sync", old -> "1");
            assertThat(synced.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(text(maas, production)).isEqualTo("one");

            server.close();
            // Past several refresh intervals: refreshes fail, the loaded model keeps serving.
            for (int i = 0; i < 10; i++) {
                assertThat(text(maas, production)).isEqualTo("one");
                Thread.sleep(100);
            }
            assertThatThrownBy(() -> writer.publish(TextModels.pkg(tmp, "m", "two")))
                    .isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("127.0.0.1:" + port);
            assertThat(reader.listening()).isFalse();

            server = EmbeddedPostgresServer.start(data, port);
            assertThat(writer.publish(TextModels.pkg(tmp, "m", "two")).version()).isEqualTo(2);
            writer.setAlias("m", "production", 2);
            awaitVersion(maas, production, 2, Duration.ofSeconds(60));
            assertThat(text(maas, production)).isEqualTo("two");
            TwoInstancesTest.waitUntilListening(reader);
        } finally {
            server.close();
        }
    }

    private PostgresCatalog catalog(String url) {
        return PostgresCatalog.builder(url)
                .user(EmbeddedPostgresServer.USER)
                .blobFolder(tmp.resolve("blobs"))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }
}
