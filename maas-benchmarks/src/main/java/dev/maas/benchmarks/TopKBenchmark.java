package dev.maas.benchmarks;

import dev.maas.recommend.retrieval.EmbeddingIndex;
import dev.maas.recommend.retrieval.IndexHit;
import dev.maas.recommend.retrieval.Kernel;
import dev.maas.recommend.retrieval.Precision;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * How long one exact top-10 call on an {@link EmbeddingIndex} takes, per scoring kernel, for {@code
 * n} items of dimension 64 and {@code batch} queries per call.
 *
 * <p>The score is the time of one call, which answers {@code batch} queries: divide by {@code
 * batch} for the time per query. Sample mode reports the distribution of call times (median, p90,
 * minimum), which says more than the mean where other processes share the cores. Items are low-rank
 * "taste" factors with per-item bias, the shape a trained matrix factorisation produces; each call
 * takes the next of 64 prepared queries (or batches), so no query is answered from a warm branch
 * history twice in a row.
 *
 * <p>Kernels ({@code kernel} parameter):
 *
 * <ul>
 *   <li>{@code SCALAR}: plain Java loop, row-major float32.
 *   <li>{@code VECTOR}: Java Vector API, column-blocked float32 (the default of {@link
 *       Kernel#AUTO}).
 *   <li>{@code VECTOR_PAR2}: as {@code VECTOR} with {@code parallelism(2)}: a single query is split
 *       over two threads, a batch is split by queries.
 *   <li>{@code DJL}: DJL {@code matMul} + {@code topK} on libtorch (which uses its own intra-op
 *       threads, two on a two-core machine).
 *   <li>{@code DJL_1T}: as {@code DJL} with one libtorch thread ({@code
 *       ai.djl.pytorch.num_threads=1}), the like-for-like peer of the single-threaded Java kernels,
 *       and immune to the OpenMP barrier stalls libtorch suffers when other processes take its
 *       cores.
 *   <li>{@code SCALAR_INT8}, {@code VECTOR_INT8}: int8 rows with per-row scale, float queries.
 *   <li>{@code VECTOR_INT8_QQ}: int8 rows and int8-quantised queries, integer dot products.
 * </ul>
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar TopKBenchmark
 * java -jar maas-benchmarks/target/maas-benchmarks.jar TopKBenchmark -p n=100000 -p batch=1 -f 1 -wi 3 -i 5
 * </pre>
 *
 * The forked JVMs get {@code --add-modules jdk.incubator.vector} from {@link Fork#jvmArgsAppend()}.
 *
 * <p>Besides wall time, each call's process CPU time is summed into the secondary results {@code
 * cpuNanos} and {@code queries} (totals over the measurement iterations): {@code cpuNanos /
 * queries} is the CPU cost of one query over all threads, including libtorch's own and the
 * executor's. On a machine shared with other work that figure moves much less than wall time.
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
public class TopKBenchmark {
    static final int DIMENSION = 64;
    static final int K = 10;
    private static final int PREPARED = 64;

    @Param({
        "SCALAR",
        "VECTOR",
        "VECTOR_PAR2",
        "DJL",
        "DJL_1T",
        "SCALAR_INT8",
        "VECTOR_INT8",
        "VECTOR_INT8_QQ"
    })
    public String kernel;

    @Param({"100000", "1000000"})
    public int n;

    @Param({"1", "256"})
    public int batch;

    private EmbeddingIndex index;
    private float[][][] batches;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(42);
        int rank = 16;
        float[][] topics = new float[rank][DIMENSION];
        for (float[] t : topics) {
            for (int j = 0; j < DIMENSION; j++) {
                t[j] = (float) rnd.nextGaussian();
            }
        }
        float[] items = factors(rnd, n, topics);
        float[] bias = new float[n];
        for (int i = 0; i < n; i++) {
            bias[i] = (float) (0.5 * rnd.nextGaussian());
        }
        EmbeddingIndex.Builder builder = EmbeddingIndex.builder(items, DIMENSION).bias(bias);
        switch (kernel) {
            case "SCALAR":
                builder.kernel(Kernel.SCALAR);
                break;
            case "VECTOR":
                builder.kernel(Kernel.VECTOR);
                break;
            case "VECTOR_PAR2":
                builder.kernel(Kernel.VECTOR).parallelism(2);
                break;
            case "DJL":
                builder.kernel(Kernel.DJL);
                break;
            case "DJL_1T":
                // Read once when the engine starts; every parameter set runs in a fresh fork.
                System.setProperty("ai.djl.pytorch.num_threads", "1");
                builder.kernel(Kernel.DJL);
                break;
            case "SCALAR_INT8":
                builder.kernel(Kernel.SCALAR).precision(Precision.INT8);
                break;
            case "VECTOR_INT8":
                builder.kernel(Kernel.VECTOR).precision(Precision.INT8);
                break;
            case "VECTOR_INT8_QQ":
                builder.kernel(Kernel.VECTOR).precision(Precision.INT8).quantizeQueries(true);
                break;
            default:
                throw new IllegalArgumentException("unknown kernel " + kernel);
        }
        index = builder.build();
        batches = new float[PREPARED][batch][];
        for (float[][] b : batches) {
            float[] users = factors(rnd, batch, topics);
            for (int q = 0; q < batch; q++) {
                b[q] = new float[DIMENSION];
                System.arraycopy(users, q * DIMENSION, b[q], 0, DIMENSION);
            }
        }
    }

    /** Mixtures of shared taste directions plus noise, with log-normal lengths. */
    static float[] factors(Random rnd, int count, float[][] topics) {
        int rank = topics.length;
        float[] x = new float[count * DIMENSION];
        double[] w = new double[rank];
        double[] v = new double[DIMENSION];
        for (int i = 0; i < count; i++) {
            double norm = Math.exp(0.3 * rnd.nextGaussian()) / Math.sqrt(rank);
            for (int r = 0; r < rank; r++) {
                w[r] = rnd.nextGaussian();
            }
            for (int j = 0; j < DIMENSION; j++) {
                v[j] = 0.3 * rnd.nextGaussian();
            }
            for (int r = 0; r < rank; r++) {
                float[] t = topics[r];
                for (int j = 0; j < DIMENSION; j++) {
                    v[j] += w[r] * t[j];
                }
            }
            for (int j = 0; j < DIMENSION; j++) {
                x[i * DIMENSION + j] = (float) (norm * v[j]);
            }
        }
        return x;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        index.close();
    }

    /** One call: a single query when {@code batch == 1}, else one batched call. */
    @Benchmark
    public Object topK(CpuTime cpu) {
        float[][] b = batches[next];
        next = (next + 1) % PREPARED;
        long start = CpuTime.processCpuNanos();
        Object result;
        if (batch == 1) {
            List<IndexHit> r = index.topK(b[0], K);
            result = r;
        } else {
            result = index.topK(b, K);
        }
        cpu.cpuNanos += CpuTime.processCpuNanos() - start;
        cpu.queries += batch;
        return result;
    }

    /** CPU time of the calls, all threads of the process, reported next to the wall time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuTime {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean();

        /** Process CPU nanoseconds spent inside the measured calls. */
        public long cpuNanos;

        /** Queries answered by the measured calls. */
        public long queries;

        @Setup(Level.Iteration)
        public void reset() {
            cpuNanos = 0;
            queries = 0;
        }

        static long processCpuNanos() {
            return OS.getProcessCpuTime();
        }
    }
}
