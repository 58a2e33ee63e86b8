package dev.maas.cli;

import dev.maas.catalog.postgres.EmbeddedPostgresServer;
import dev.maas.catalog.postgres.PostgresCatalog;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code maas postgres}: runs a PostgreSQL server (binaries from a Maven artifact) in the
 * foreground for a single-machine trial of the shared catalog, until interrupted.
 */
@Command(
        name = "postgres",
        mixinStandardHelpOptions = true,
        header = "Run a PostgreSQL server for the shared catalog (single-machine trial).",
        description = {
            "Starts a PostgreSQL server on 127.0.0.1 keeping its data in --data, creates the"
                    + " catalog's database and schema, prints its JDBC URL and runs until"
                    + " interrupted (Ctrl-C). Other commands then use it with --catalog <url>;"
                    + " the data survives a restart on the same folder.",
            "For production, run a PostgreSQL server of your own and pass its URL to --catalog."
        })
final class PostgresCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "<folder>",
            description = "The server's data folder (created and initialised when empty).")
    Path data;

    @Option(
            names = "--port",
            paramLabel = "<port>",
            defaultValue = "5432",
            description = "Port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--database",
            paramLabel = "<name>",
            defaultValue = "maas",
            description = "Database of the catalog (default: ${DEFAULT-VALUE}).")
    String database;

    /** Counted down to stop the server; tests stop it, a person presses Ctrl-C. */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65_535) {
            throw Main.usageError(spec, "--port must be 0 to 65535, was " + port);
        }
        PrintWriter out = spec.commandLine().getOut();
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(data, port);
        Thread hook = new Thread(server::close, "maas-postgres-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            String url = server.createDatabase(database);
            // Migrates the schema now, so that a broken setup shows here and not in the next
            // command.
            PostgresCatalog.connect(url, EmbeddedPostgresServer.USER, null, data.resolve("blobs"))
                    .close();
            out.println(
                    "PostgreSQL is running; the catalog's JDBC URL (user postgres, no password):");
            out.println("  " + url);
            out.println("Use it with, for example:");
            out.println(
                    "  MAAS_CATALOG_USER=postgres maas models --catalog "
                            + MarketFormat.shell(url));
            out.println("Press Ctrl-C to stop; the data stays in " + server.dataFolder() + ".");
            out.flush();
            stop.await();
            return 0;
        } finally {
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs, closing twice is harmless
            }
        }
    }
}
