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
 * How long one exact top-10 call on an {@link EmbeddingIndex} takes, for {@code items} items of
 * {@code dims} dimensions, {@code batch} queries per call, the item {@code precision} and the
 * number of {@code threads} the index may use, per scoring {@code kernel}.
 *
 * <p>The score is the time of one call, which answers {@code batch} queries: divide by {@code
 * batch} for the time per query. Sample mode reports the distribution of call times (median, p90,
 * minimum), which says more than the mean where other processes share the cores. Items are low-rank
 * "taste" factors with per-item bias, the shape a trained matrix factorisation produces; each call
 * takes the next of 64 prepared queries (or batches), so no query is answered from a warm branch
 * history twice in a row.
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code kernel}: {@code VECTOR} (Java Vector API, the default of {@link Kernel#AUTO}),
 *       {@code SCALAR} (plain Java loop), {@code DJL} (DJL {@code matMul} + {@code topK} on
 *       libtorch with its own intra-op threads) or {@code DJL_1T} (the same with one libtorch
 *       thread, {@code ai.djl.pytorch.num_threads=1}). DJL supports {@code f32} only and ignores
 *       {@code threads}.
 *   <li>{@code precision}: {@code f32}; {@code int8} (int8 rows with a per-row scale, float
 *       queries); {@code int8q} (int8 rows and int8-quantised queries, integer dot products).
 *   <li>{@code threads}: {@link EmbeddingIndex.Builder#parallelism(int)}; 1 pins every query to the
 *       calling thread.
 * </ul>
 *
 * <p>Which limit each case is bound by (see {@link MachineLimitsBenchmark}): a single query ({@code
 * batch=1}) reads every item once, {@code items * (4 * dims + 4)} bytes for {@code f32} and {@code
 * items * (dims + 8)} for {@code int8} (codes, scale and bias), so it is bound by the read
 * bandwidth ({@code read}, {@code kib=524288} from DRAM for 1M items); a batch is bound by the FMA
 * rate, {@code 2 * items * dims * batch} floating-point operations per call ({@code fma} for one
 * thread, {@code fmaAllCores} for two).
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar TopKBenchmark
 * java -jar maas-benchmarks/target/maas-benchmarks.jar TopKBenchmark -p items=1000000 -p batch=1 -p precision=f32,int8 -p threads=1
 * java -jar maas-benchmarks/target/maas-benchmarks.jar TopKBenchmark -p kernel=SCALAR,DJL_1T -p precision=f32 -p threads=1
 * </pre>
 *
 * The forked JVMs get {@code --add-modules jdk.incubator.vector} and {@code
 * -XX:+UseTransparentHugePages} (2 MiB heap pages where transparent huge pages are set to {@code
 * madvise}: fewer TLB misses on a scan of hundreds of megabytes) from {@link Fork#jvmArgsAppend()}.
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
            "-XX:+UseTransparentHugePages",
            "-Dai.djl.offline=true"
        })
public class TopKBenchmark {
    static final int K = 10;
    private static final int PREPARED = 64;

    @Param({"VECTOR"})
    public String kernel;

    @Param({"100000", "1000000"})
    public int items;

    @Param({"64"})
    public int dims;

    @Param({"1", "256"})
    public int batch;

    @Param({"f32", "int8"})
    public String precision;

    @Param({"1", "2"})
    public int threads;

    private EmbeddingIndex index;
    private float[][][] batches;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        // Unknown names fail before the data is generated, so a wrong -p costs no time.
        if (!List.of("VECTOR", "SCALAR", "DJL", "DJL_1T").contains(kernel)) {
            throw new IllegalArgumentException(
                    "unknown kernel " + kernel + "; expected VECTOR, SCALAR, DJL or DJL_1T");
        }
        if (!List.of("f32", "int8", "int8q").contains(precision)) {
            throw new IllegalArgumentException(
                    "unknown precision " + precision + "; expected f32, int8 or int8q");
        }
        Random rnd = new Random(42);
        int rank = 16;
        float[][] topics = new float[rank][dims];
        for (float[] t : topics) {
            for (int j = 0; j < dims; j++) {
                t[j] = (float) rnd.nextGaussian();
            }
        }
        float[] vectors = factors(rnd, items, topics);
        float[] bias = new float[items];
        for (int i = 0; i < items; i++) {
            bias[i] = (float) (0.5 * rnd.nextGaussian());
        }
        EmbeddingIndex.Builder builder =
                EmbeddingIndex.builder(vectors, dims).bias(bias).parallelism(threads);
        switch (kernel) {
            case "SCALAR":
                builder.kernel(Kernel.SCALAR);
                break;
            case "VECTOR":
                builder.kernel(Kernel.VECTOR);
                break;
            case "DJL":
                builder.kernel(Kernel.DJL);
                break;
            case "DJL_1T":
                // Read once when the engine starts; every parameter set runs in a fresh fork.
                System.setProperty("ai.djl.pytorch.num_threads", "1");
                builder.kernel(Kernel.DJL);
                break;
            default:
                throw new IllegalArgumentException(
                        "unknown kernel " + kernel + "; expected VECTOR, SCALAR, DJL or DJL_1T");
        }
        switch (precision) {
            case "f32":
                break;
            case "int8":
                builder.precision(Precision.INT8);
                break;
            case "int8q":
                builder.precision(Precision.INT8).quantizeQueries(true);
                break;
            default:
                throw new IllegalArgumentException(
                        "unknown precision " + precision + "; expected f32, int8 or int8q");
        }
        index = builder.build();
        batches = new float[PREPARED][batch][];
        for (float[][] b : batches) {
            float[] users = factors(rnd, batch, topics);
            for (int q = 0; q < batch; q++) {
                b[q] = new float[dims];
                System.arraycopy(users, q * dims, b[q], 0, dims);
            }
        }
    }

    /** Mixtures of shared taste directions plus noise, with log-normal lengths. */
    static float[] factors(Random rnd, int count, float[][] topics) {
        int rank = topics.length;
        int dim = topics[0].length;
        float[] x = new float[count * dim];
        double[] w = new double[rank];
        double[] v = new double[dim];
        for (int i = 0; i < count; i++) {
            double norm = Math.exp(0.3 * rnd.nextGaussian()) / Math.sqrt(rank);
            for (int r = 0; r < rank; r++) {
                w[r] = rnd.nextGaussian();
            }
            for (int j = 0; j < dim; j++) {
                v[j] = 0.3 * rnd.nextGaussian();
            }
            for (int r = 0; r < rank; r++) {
                float[] t = topics[r];
                for (int j = 0; j < dim; j++) {
                    v[j] += w[r] * t[j];
                }
            }
            for (int j = 0; j < dim; j++) {
                x[i * dim + j] = (float) (norm * v[j]);
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
