package dev.maas.cli;

import dev.maas.ModelService;
import dev.maas.catalog.postgres.EmbeddedPostgresServer;
import dev.maas.catalog.postgres.PostgresCatalog;
import dev.maas.server.MaasServer;
import dev.maas.server.TokenStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code maas serve}: serves the repository's models over the network (the Open Inference Protocol
 * v2 over REST, and gRPC with {@code --grpc-port}) until interrupted.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        header = "Serve the models over the network (Open Inference Protocol v2).",
        description = {
            "Serves every model of the repository at http://<host>:<port>/v2 (KServe's Open"
                    + " Inference Protocol v2: health, metadata, readiness, inference with JSON or"
                    + " binary tensors), a Prometheus scrape endpoint at /metrics, and, with"
                    + " --grpc-port, the protocol over gRPC. Runs until interrupted (Ctrl-C).",
            "Callers send 'Authorization: Bearer <token>' (maas token create); without a token they"
                    + " see public models only. With --tls-keystore the server speaks HTTPS only;"
                    + " the key store's password comes from $MAAS_TLS_PASSWORD."
        })
final class ServeCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;

    @Option(
            names = "--port",
            paramLabel = "<port>",
            defaultValue = "8080",
            description = "REST port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--grpc-port",
            paramLabel = "<port>",
            defaultValue = "-1",
            description = "gRPC port, 0 for any free one; off unless given.")
    int grpcPort;

    @Option(
            names = "--host",
            paramLabel = "<address>",
            defaultValue = "127.0.0.1",
            description =
                    "Address to listen on; 0.0.0.0 for every interface (default:"
                            + " ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--embedded-postgres",
            paramLabel = "<folder>",
            description =
                    "Start a PostgreSQL server keeping its data in this folder and serve the shared"
                            + " catalog in it (instead of --root or --catalog).")
    Path embeddedPostgres;

    @Option(
            names = "--tls-keystore",
            paramLabel = "<file>",
            description =
                    "PKCS12 or JKS key store with the server's key and certificate: HTTPS only.")
    Path tlsKeyStore;

    @Option(
            names = "--max-request-mb",
            paramLabel = "<MiB>",
            defaultValue = "64",
            description = "Largest request body accepted, in MiB (default: ${DEFAULT-VALUE}).")
    long maxRequestMb;

    /** Counted down to stop the server; tests stop it, a person presses Ctrl-C. */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65_535) {
            throw Main.usageError(spec, "--port must be 0 to 65535, was " + port);
        }
        if (grpcPort < -1 || grpcPort > 65_535) {
            throw Main.usageError(spec, "--grpc-port must be 0 to 65535, was " + grpcPort);
        }
        if (maxRequestMb <= 0 || maxRequestMb > 1 << 20) {
            throw Main.usageError(
                    spec, "--max-request-mb must be 1 to 1048576, was " + maxRequestMb);
        }
        if (embeddedPostgres != null && (repo.catalog != null || repo.root != null)) {
            throw Main.usageError(
                    spec,
                    "--embedded-postgres keeps the catalog itself: leave out --root and --catalog");
        }
        char[] password = null;
        if (tlsKeyStore != null) {
            String env = System.getenv("MAAS_TLS_PASSWORD");
            if (env == null) {
                throw new CliException(
                        "--tls-keystore needs the key store's password in $MAAS_TLS_PASSWORD");
            }
            password = env.toCharArray();
        }
        PrintWriter out = spec.commandLine().getOut();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EmbeddedPostgresServer postgres = null;
        PostgresCatalog catalog = null;
        ModelService maas = null;
        MaasServer server = null;
        Thread hook = null;
        try {
            if (embeddedPostgres != null) {
                postgres = EmbeddedPostgresServer.start(embeddedPostgres, 0);
                String url = postgres.createDatabase("maas");
                catalog =
                        PostgresCatalog.connect(
                                url,
                                EmbeddedPostgresServer.USER,
                                null,
                                embeddedPostgres.resolve("blobs"));
                maas = ModelService.builder().repository(catalog).meterRegistry(registry).build();
                out.println(
                        "Catalog on PostgreSQL at " + url + " (data in " + embeddedPostgres + ")");
            } else {
                maas = repo.open(registry);
            }
            MaasServer.Builder b =
                    MaasServer.builder(maas)
                            .host(host)
                            .port(port)
                            .tokens(TokenStore.in(maas.repository()))
                            .maxRequestBytes(maxRequestMb << 20)
                            .meterRegistry(registry);
            if (grpcPort >= 0) {
                b.grpcPort(grpcPort);
            }
            if (tlsKeyStore != null) {
                b.tls(tlsKeyStore, password);
            }
            server = b.build().start();
            final MaasServer running = server;
            final ModelService service = maas;
            final EmbeddedPostgresServer pg = postgres;
            final PostgresCatalog cat = catalog;
            hook = new Thread(() -> closeAll(running, service, cat, pg), "maas-serve-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.println(
                    "Serving "
                            + (embeddedPostgres != null ? "the catalog" : repo.location())
                            + " at "
                            + server.uri()
                            + "/v2");
            if (server.grpcPort() >= 0) {
                out.println("gRPC on " + host + ":" + server.grpcPort());
            }
            out.println("Metrics at " + server.uri() + "/metrics. Press Ctrl-C to stop.");
            out.flush();
            stop.await();
            return 0;
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new CliException(e.getMessage(), e);
        } finally {
            closeAll(server, maas, catalog, postgres);
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook runs, closing twice is harmless
                }
            }
        }
    }

    private static void closeAll(
            MaasServer server,
            ModelService maas,
            PostgresCatalog catalog,
            EmbeddedPostgresServer postgres) {
        if (server != null) {
            server.close();
        }
        if (maas != null) {
            maas.close();
        }
        if (catalog != null) {
            catalog.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}
