package dev.maas.cli;

import dev.maas.ModelService;
import dev.maas.catalog.postgres.PostgresCatalog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Option;

/**
 * The options every command takes to find the model repository: {@code --root}, and {@code
 * --catalog} for the shared catalog on PostgreSQL.
 */
final class RepoOptions {
    /** Catalogs opened by this process, one per URL, user and blob folder; closed at exit. */
    private static final Map<String, PostgresCatalog> CATALOGS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(() -> CATALOGS.values().forEach(PostgresCatalog::close)));
    }

    @Option(
            names = "--catalog",
            paramLabel = "<jdbc-url>",
            description =
                    "Keep models in the shared catalog on PostgreSQL at this JDBC URL"
                            + " (jdbc:postgresql://host:port/database; default: $MAAS_CATALOG,"
                            + " else the folder of --root). The user comes from --catalog-user or"
                            + " $MAAS_CATALOG_USER, the password from $MAAS_CATALOG_PASSWORD;"
                            + " artifacts go to --blobs.")
    String catalog;

    @Option(
            names = "--catalog-user",
            paramLabel = "<user>",
            description = "Database user of --catalog (default: $MAAS_CATALOG_USER).")
    String catalogUser;

    @Option(
            names = "--blobs",
            paramLabel = "<folder>",
            description =
                    "Artifact folder of --catalog, shared by every instance (default:"
                            + " <root>/blobs).")
    Path blobs;

    @Option(
            names = "--root",
            paramLabel = "<folder>",
            description =
                    "Model repository folder (default: $MAAS_ROOT, else ~/.maas). Published models"
                            + " live in <folder>/models, generated data in <folder>/data, trained"
                            + " but unpublished models in <folder>/runs.")
    Path root;

    /**
     * Returns the repository folder.
     *
     * @throws CliException if {@code --root} was given an empty or blank value, which would
     *     otherwise mean the current folder
     */
    Path root() {
        if (root != null) {
            if (root.toString().isBlank()) {
                throw new CliException(
                        "--root is "
                                + (root.toString().isEmpty() ? "empty" : "blank")
                                + ": expected a folder (leave --root out to use $MAAS_ROOT, else"
                                + " ~/.maas)");
            }
            return root.toAbsolutePath().normalize();
        }
        String env = System.getenv("MAAS_ROOT");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".maas");
    }

    /** Returns the folder of trained, not yet published models. */
    Runs runs() {
        return new Runs(root().resolve("runs"), Clock.systemUTC());
    }

    /** Returns the catalog's JDBC URL, or {@code null} for the folder repository. */
    String catalogUrl() {
        if (catalog != null) {
            if (catalog.isBlank()) {
                throw new CliException(
                        "--catalog is blank: expected a JDBC URL such as"
                                + " jdbc:postgresql://localhost:5432/maas");
            }
            return catalog;
        }
        String env = System.getenv("MAAS_CATALOG");
        return env == null || env.isBlank() ? null : env;
    }

    /** Returns where the repository lives, for messages: the catalog's URL or the folder. */
    String location() {
        String url = catalogUrl();
        return url != null ? "the catalog at " + PostgresCatalog.redact(url) : root().toString();
    }

    /** Opens the model service on the repository. */
    ModelService open() {
        return open(null);
    }

    /** Opens the model service on the repository, recording into {@code registry} if not null. */
    ModelService open(io.micrometer.core.instrument.MeterRegistry registry) {
        ModelService.Builder builder = ModelService.builder();
        if (registry != null) {
            builder.meterRegistry(registry);
        }
        String url = catalogUrl();
        if (url == null) {
            return builder.root(root()).build();
        }
        String user = catalogUser != null ? catalogUser : System.getenv("MAAS_CATALOG_USER");
        Path blobFolder = (blobs != null ? blobs : root().resolve("blobs")).toAbsolutePath();
        PostgresCatalog shared =
                CATALOGS.computeIfAbsent(
                        url + "\n" + user + "\n" + blobFolder,
                        k -> {
                            try {
                                return PostgresCatalog.connect(
                                        url,
                                        user,
                                        System.getenv("MAAS_CATALOG_PASSWORD"),
                                        blobFolder);
                            } catch (IllegalArgumentException e) {
                                throw new CliException("--catalog: " + e.getMessage(), e);
                            }
                        });
        return builder.repository(shared).build();
    }
}
