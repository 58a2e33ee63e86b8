package dev.maas.benchmarks;

import dev.maas.ModelService;
import dev.maas.compression.CompressedRecommender;
import dev.maas.compression.CompressionReport;
import dev.maas.compression.RecommenderCompression;
import dev.maas.compression.Technique;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
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
 * A published recommender against its int8-compressed version ({@code maas compress --int8}),
 * served end to end: one {@code Recommender.recommend(user, 10)} call at batch 1 through {@link
 * ModelService}, for {@code items} items of dimension 64 (at 100k items the float32 scan reads 25
 * MB per query, more than the caches hold: memory-bound). Both versions live in one repository and
 * run in the same JMH run ({@code version} parameter), so their scores give the speed ratio; the
 * setup prints the bytes of both factor files and their ratio.
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar CompressedRecommenderBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Xms4g",
            "-Xmx4g",
            "-Dai.djl.offline=true"
        })
public class CompressedRecommenderBenchmark {
    static final int DIMENSION = 64;
    static final int USERS = 500;

    /** {@code original} (float32 factors and index) or {@code int8} (compressed version). */
    @Param({"original", "int8"})
    public String version;

    @Param({"100000"})
    public int items;

    private Path root;
    private ModelService maas;
    private Recommender recommender;
    private String[] users;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Random rnd = new Random(42);
        Interactions.Builder b = Interactions.builder();
        for (int i = 0; i < items; i++) {
            b.add("u" + (i % USERS), "i" + i, 1f, i);
        }
        for (int r = 0; r < 20 * USERS; r++) {
            b.add("u" + rnd.nextInt(USERS), "i" + rnd.nextInt(items), 1f, items + r);
        }
        // Quality in the report is measured on 10% of the interactions held out.
        Split split = Splits.randomHoldout(b.build(), 0.1, 1);
        Interactions train = split.train();
        FactorModel model =
                new FactorModel(
                        ModelType.BPR_MF,
                        DIMENSION,
                        train.users(),
                        train.items(),
                        null,
                        java.util.List.of(),
                        gaussian(rnd, (long) train.numUsers() * DIMENSION, 0.3),
                        gaussian(rnd, (long) train.numItems() * DIMENSION, 0.3),
                        new float[train.numUsers()],
                        gaussian(rnd, train.numItems(), 0.5),
                        0f,
                        Float.NaN,
                        Float.NaN,
                        Map.of());
        root = Files.createTempDirectory("maas-compressed-bench");
        maas = ModelService.builder().root(root).build();
        RecommenderPackage.builder()
                .model(model)
                .trainingData(train)
                .build()
                .publish(maas, "bench");
        CompressedRecommender int8 =
                RecommenderCompression.of(maas, "bench:1", split).apply(Technique.int8());
        int8.publish(maas);
        CompressionReport report = int8.report();
        System.out.printf(
                "%nfactor bytes: float32 %d, int8 %d (%.2fx smaller)%n",
                report.bytesBefore(), report.bytesAfter(), report.ratio());
        recommender = Recommender.open(maas, version.equals("int8") ? "bench:2" : "bench:1");
        users = new String[64];
        for (int i = 0; i < users.length; i++) {
            users[i] = "u" + rnd.nextInt(train.numUsers());
        }
    }

    private static float[] gaussian(Random rnd, long n, double std) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return v;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        maas.close();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One top-10 recommendation for the next prepared user. */
    @Benchmark
    public Recommendations recommend() {
        String user = users[next++ & 63];
        return recommender.recommend(user, 10);
    }
}
