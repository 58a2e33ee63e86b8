package dev.maas.benchmarks;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.IdMap;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.retrieval.EmbeddingIndex;
import dev.maas.recommend.retrieval.Filter;
import dev.maas.recommend.retrieval.IndexHit;
import dev.maas.recommend.retrieval.ItemSet;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
 * What serving a recommendation costs on top of the top-K scan: {@code Recommender.recommend(user,
 * 10)} on a published model (resolve {@code movies@production}, lease the loaded model from the
 * store, build the user's seen-items filter, scan, attach titles and genres) side by side with its
 * peer, a bare {@link EmbeddingIndex#topK} over the same item vectors and biases with the same
 * user's filter prepared in advance.
 *
 * <p>The difference between the two is the serving overhead per call. Users have {@code seen}
 * training items each; each call takes the next of 1,000 users, so consecutive calls touch
 * different rows and filters.
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar RecommenderBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Xms2g",
            "-Xmx2g",
            "-Dai.djl.offline=true"
        })
public class RecommenderBenchmark {
    static final int DIMENSION = 64;
    static final int USERS = 1_000;
    static final int K = 10;

    /** Catalogue size: MovieLens-100K-sized and a large catalogue. */
    @Param({"1682", "100000"})
    public int items;

    /** Training items per user (left out of the results). */
    @Param({"100"})
    public int seen;

    private Path root;
    private ModelService maas;
    private Recommender recommender;
    private EmbeddingIndex index;
    private String[] userIds;
    private float[][] userVectors;
    private Filter[] filters;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        SplittableRandom r = new SplittableRandom(42);
        List<ItemInfo> catalogue = new ArrayList<>(items);
        for (int i = 0; i < items; i++) {
            catalogue.add(
                    new ItemInfo(Integer.toString(i + 1), "Title " + (i + 1), List.of("Drama")));
        }
        Interactions.Builder b = Interactions.builder().catalogue(catalogue, List.of("Drama"));
        int[][] seenItems = new int[USERS][];
        for (int u = 0; u < USERS; u++) {
            seenItems[u] = r.ints(0, items).distinct().limit(seen).sorted().toArray();
            for (int i : seenItems[u]) {
                b.add("u" + u, Integer.toString(i + 1), 4f, 0L);
            }
        }
        Interactions train = b.build();
        float[] userFactors = gaussian(r, USERS * DIMENSION, 0.3);
        float[] itemFactors = gaussian(r, items * DIMENSION, 0.3);
        float[] itemBias = gaussian(r, items, 0.5);
        FactorModel model =
                new FactorModel(
                        ModelType.BIASED_MF,
                        DIMENSION,
                        train.users(),
                        train.items(),
                        catalogue,
                        List.of("Drama"),
                        userFactors,
                        itemFactors,
                        new float[USERS],
                        itemBias,
                        3.5f,
                        1f,
                        5f,
                        Map.of());
        root = Files.createTempDirectory("maas-bench-");
        maas = ModelService.builder().root(root).build();
        ModelCard card =
                RecommenderPackage.builder()
                        .model(model)
                        .trainingData(train)
                        .build()
                        .publish(maas, "movies");
        maas.setAlias("movies", "production", card.version());
        recommender = Recommender.open(maas, "movies@production");

        index = EmbeddingIndex.builder(itemFactors, DIMENSION).bias(itemBias).build();
        IdMap users = train.users();
        userIds = new String[USERS];
        userVectors = new float[USERS][];
        filters = new Filter[USERS];
        for (int u = 0; u < USERS; u++) {
            userIds[u] = "u" + u;
            int row = users.indexOf(userIds[u]);
            userVectors[u] = model.userVector(row);
            filters[u] = Filter.excluding(ItemSet.of(seenItems[u]));
        }
    }

    private static float[] gaussian(SplittableRandom r, int n, double sd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] =
                    (float)
                            (sd
                                    * Math.sqrt(-2 * Math.log(1 - r.nextDouble()))
                                    * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return a;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        maas.close();
        index.close();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The full serving call through the model store, titles and genres attached. */
    @Benchmark
    public Recommendations recommend() {
        int u = next++ % USERS;
        return recommender.recommend(userIds[u], K);
    }

    /** The peer: the bare index scan with the same user's filter built in advance. */
    @Benchmark
    public List<IndexHit> indexOnly() {
        int u = next++ % USERS;
        return index.topK(userVectors[u], K, filters[u]);
    }
}
