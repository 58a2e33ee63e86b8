package dev.maas.benchmarks;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.retrieval.EmbeddingIndex;
import dev.maas.recommend.retrieval.Filter;
import dev.maas.recommend.retrieval.IndexHit;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.util.Arrays;
import java.util.List;
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
 * What serving a visitor costs: the fold-in of a user vector from {@code items} interactions
 * ({@link FactorModel#foldIn}), alone and followed by the top-10 query on the model's index, next
 * to its peer, the top-10 query of a user the model was trained on (whose vector is stored). The
 * models are trained with their defaults on the default sample catalogue (943 users, 1682 items);
 * EASE's vectors have 1682 dimensions, iALS's 64, SVD++'s 32.
 *
 * <p>Compare {@code foldInTopK} with {@code knownUserTopK} of the same model and item count: the
 * difference is the price of serving a visitor at once instead of after retraining.
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar FoldInBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx4g", "-Dai.djl.offline=true"})
public class FoldInBenchmark {

    @Param({"IALS", "EASE", "SVDPP"})
    public String model;

    @Param({"5", "50"})
    public int items;

    private FactorModel factors;
    private EmbeddingIndex index;
    private int[] visitorItems;
    private int knownUser;
    private int[] knownSeen;

    @Setup(Level.Trial)
    public void setUp() {
        Interactions data = SampleCatalog.defaults().generate();
        factors =
                RecommenderTrainer.create(TrainingConfig.defaults(ModelType.valueOf(model)))
                        .fit(data)
                        .model();
        float[] vectors = new float[factors.numItems() * factors.dim()];
        factors.itemFactors().get(vectors);
        float[] bias = new float[factors.numItems()];
        factors.itemBiases().get(bias);
        index = EmbeddingIndex.builder(vectors, factors.dim()).bias(bias).build();
        // The most active user: their first `items` items are the visitor's.
        int best = 0;
        for (int u = 0; u < data.numUsers(); u++) {
            if (data.itemsOf(u).length > data.itemsOf(best).length) {
                best = u;
            }
        }
        knownUser = best;
        knownSeen = data.itemsOf(best);
        visitorItems = Arrays.copyOf(knownSeen, items);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        index.close();
    }

    @Benchmark
    public float[] foldIn() {
        return factors.foldIn(visitorItems);
    }

    @Benchmark
    public List<IndexHit> foldInTopK() {
        return index.topK(factors.foldIn(visitorItems), 10, Filter.excluding(visitorItems));
    }

    @Benchmark
    public List<IndexHit> knownUserTopK() {
        return index.topK(factors.userVector(knownUser), 10, Filter.excluding(knownSeen));
    }
}
