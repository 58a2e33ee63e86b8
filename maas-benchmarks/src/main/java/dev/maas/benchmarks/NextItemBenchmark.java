package dev.maas.benchmarks;

import dev.maas.ModelService;
import dev.maas.behaviour.data.BehaviourLog;
import dev.maas.behaviour.data.BehaviourSimulator;
import dev.maas.behaviour.next.NextItemModel;
import dev.maas.behaviour.next.NextItemRecommender;
import dev.maas.behaviour.next.NextItemTrainer;
import dev.maas.recommend.ScoredItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Latency of one next-item prediction for one user, at history lengths 10, 50 and 200: the top 10
 * of 516 titles after the user's history, with a model (window 20, 32 dimensions) trained in the
 * setup on the behaviour sample (one epoch: latency does not depend on how well it is trained).
 *
 * <ul>
 *   <li>{@code served}: {@link NextItemRecommender#next} through the model's {@link ModelService}
 *       endpoint: route the reference, check the history's ids, queue the encoded history on the
 *       dynamic batcher, score on a worker, hand the scores back, rank.
 *   <li>{@code direct}: {@link NextItemModel#next(int[], int)} on the model in hand: the peer that
 *       shows what serving adds.
 * </ul>
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar NextItemBenchmark -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Xmx2g",
            "-Dai.djl.offline=true"
        })
public class NextItemBenchmark {
    @Param({"10", "50", "200"})
    int history;

    private Path root;
    private ModelService maas;
    private NextItemRecommender served;
    private NextItemModel model;
    private List<String> ids;
    private int[] indices;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        BehaviourLog log = BehaviourSimulator.builder().users(300).seed(42).build().generate();
        model = NextItemTrainer.defaults(1).dim(32).epochs(1).batchSize(512).fit(log);
        root = Files.createTempDirectory("maas-bench-next");
        maas = ModelService.builder().root(root).build();
        NextItemRecommender.publish(maas, "next", model, java.util.Map.of());
        served = NextItemRecommender.open(maas, "next");
        SplittableRandom r = new SplittableRandom(7);
        indices = new int[history];
        ids = new ArrayList<>();
        for (int i = 0; i < history; i++) {
            indices[i] = r.nextInt(model.numItems());
            ids.add(model.item(indices[i]).id());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        maas.close();
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Through the service. */
    @Benchmark
    public List<ScoredItem> served() {
        return served.next(ids, 10);
    }

    /** On the model directly. */
    @Benchmark
    public List<ScoredItem> direct() {
        return model.next(indices, 10);
    }
}
