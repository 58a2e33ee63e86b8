package dev.maas.benchmarks;

import dev.maas.ModelService;
import dev.maas.behaviour.churn.ChurnScorer;
import dev.maas.behaviour.churn.ChurnTrainer;
import dev.maas.behaviour.data.BehaviourLog;
import dev.maas.behaviour.data.BehaviourSimulator;
import dev.maas.behaviour.features.UserFeatures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Churn scoring of 100,000 users with the XGBoost churn model served by maas (trained in the setup
 * on the behaviour sample; the 100,000 feature rows are that sample's snapshot repeated): the time
 * to score all of them.
 *
 * <ul>
 *   <li>{@code batched}: calls of 1,000 rows each (100 calls).
 *   <li>{@code oneAtATime}: 100,000 calls of one row, one after the other.
 * </ul>
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar ChurnScoringBenchmark -f 1 -wi 1 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Xmx2g",
            "-Dai.djl.offline=true"
        })
public class ChurnScoringBenchmark {
    static final int USERS = 100_000;
    static final int BATCH = 1_000;

    private Path root;
    private ModelService maas;
    private ChurnScorer scorer;
    private float[] rows;
    private int width;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        BehaviourLog log = BehaviourSimulator.builder().users(1000).seed(42).build().generate();
        ChurnTrainer.Result result =
                ChurnTrainer.defaults(1)
                        .train(
                                log,
                                List.of(BehaviourSimulator.dayStart(38)),
                                BehaviourSimulator.dayStart(59),
                                7 * BehaviourSimulator.DAY);
        root = Files.createTempDirectory("maas-bench-churn");
        maas = ModelService.builder().root(root).build();
        ChurnTrainer.publish(maas, "churn", result);
        scorer = ChurnScorer.open(maas, "churn");
        UserFeatures f = result.builder().build(log, BehaviourSimulator.dayStart(59));
        width = f.width();
        rows = new float[USERS * width];
        for (int i = 0; i < USERS; i++) {
            System.arraycopy(f.values(), (i % f.rows()) * width, rows, i * width, width);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        scorer.close();
        maas.close();
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** 100 calls of 1,000 users. */
    @Benchmark
    public float batched() {
        float sum = 0;
        float[] chunk = new float[BATCH * width];
        for (int from = 0; from < USERS; from += BATCH) {
            System.arraycopy(rows, from * width, chunk, 0, chunk.length);
            for (float p : scorer.score(chunk, BATCH)) {
                sum += p;
            }
        }
        return sum;
    }

    /** 100,000 calls of one user. */
    @Benchmark
    public float oneAtATime() {
        float sum = 0;
        float[] row = new float[width];
        for (int i = 0; i < USERS; i++) {
            System.arraycopy(rows, i * width, row, 0, width);
            sum += scorer.score(row, 1)[0];
        }
        return sum;
    }
}
