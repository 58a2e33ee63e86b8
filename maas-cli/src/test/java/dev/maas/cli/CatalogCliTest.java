package dev.maas.cli;

import static dev.maas.cli.MainTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.catalog.postgres.EmbeddedPostgresServer;
import dev.maas.catalog.postgres.PostgresCatalog;
import dev.maas.cli.MainTest.Run;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The commands on the shared catalog ({@code --catalog}), and {@code maas postgres}. */
class CatalogCliTest {
    @TempDir static Path tmp;
    private static EmbeddedPostgresServer server;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedPostgresServer.start(tmp.resolve("pg"), 0);
        url = server.createDatabase("cli");
        try (PostgresCatalog catalog =
                PostgresCatalog.connect(
                        url, EmbeddedPostgresServer.USER, null, tmp.resolve("root/blobs"))) {
            Path dir = Files.createDirectories(tmp.resolve("pkg"));
            Files.writeString(dir.resolve("model.txt"), "hello");
            catalog.publish(
                    ModelPackage.of(
                            ModelCard.builder("greeter")
                                    .task("ranking")
                                    .engine("text")
                                    .format("txt")
                                    .description("says O'Hello; DROP TABLE versions")
                                    .build(),
                            dir));
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Run onCatalog(String... command) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(
                List.of(
                        "--root",
                        tmp.resolve("root").toString(),
                        "--catalog",
                        url,
                        "--catalog-user",
                        EmbeddedPostgresServer.USER));
        return run(a.toArray(new String[0]));
    }

    @Test
    void commands_workOnTheCatalog() {
        Run models = onCatalog("models");
        assertThat(models.status()).as(models.err()).isZero();
        assertThat(models.out()).contains("greeter");
        assertThat(onCatalog("team", "add", "home").status()).isZero();
        assertThat(onCatalog("principal", "add", "alice", "--team", "home").status()).isZero();
        Run search = onCatalog("search", "o'hello drop", "--as", "alice");
        assertThat(search.status()).as(search.err()).isZero();
        assertThat(search.out()).contains("greeter");
        // Nothing of this went to the folder repository.
        assertThat(tmp.resolve("root/models")).doesNotExist();
    }

    @Test
    void unreachableCatalog_failsWithOneLineNamingTheUrl() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String bad = "jdbc:postgresql://127.0.0.1:" + port + "/maas";
        Run r = run("models", "--root", tmp.resolve("root").toString(), "--catalog", bad);
        assertThat(r.status()).isEqualTo(Main.FAILED);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("maas: error: ").contains(bad);
    }

    @Test
    void postgresCommand_runsAServerUntilStopped_andPrintsItsUrl() throws Exception {
        PostgresCommand command = new PostgresCommand();
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        Path data = tmp.resolve("trial");
        CompletableFuture<Integer> running =
                CompletableFuture.supplyAsync(
                        () -> cli.execute("--data", data.toString(), "--port", "0"));
        Pattern jdbc = Pattern.compile("jdbc:postgresql://127\\.0\\.0\\.1:[0-9]+/maas");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Matcher m = jdbc.matcher("");
        while (!(m = jdbc.matcher(out.toString())).find()) {
            assertThat(running).as("still running: %s", out).isNotDone();
            assertThat(System.nanoTime()).as("URL printed: %s", out).isLessThan(deadline);
            Thread.sleep(50);
        }
        try (PostgresCatalog catalog =
                PostgresCatalog.connect(
                        m.group(), EmbeddedPostgresServer.USER, null, tmp.resolve("trial-blobs"))) {
            assertThat(catalog.names()).isEmpty();
        }
        command.stop.countDown();
        assertThat(running.get(60, TimeUnit.SECONDS)).isZero();
        assertThat(data.resolve("PG_VERSION")).exists();
    }
}
