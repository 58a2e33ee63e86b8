package dev.maas.benchmarks;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * This machine's limits, measured from Java the way the retrieval kernels use the machine, so that
 * every retrieval result can be reported as a fraction of the limit it is bound by.
 *
 * <ul>
 *   <li>{@code read} / {@code readAllCores}: read bandwidth, summing a {@code float[]} of {@code
 *       kib} KiB with the Vector API (8 independent accumulators), on one thread / on every core
 *       (one array per thread). {@code kib=256} stays in the L2 cache, {@code 16384} in the L3,
 *       {@code 524288} (512 MiB, far beyond the 32 MiB L3) comes from DRAM: the bound of a single
 *       top-K query over a large index.
 *   <li>{@code fma} / {@code fmaAllCores}: peak float32 fused multiply-add rate on one core / on
 *       every core: 12 independent vector FMA chains on registers, no memory traffic. The bound of
 *       batched top-K, which is compute-bound.
 * </ul>
 *
 * <p>Results: the primary score is passes per second; the secondary results are the rates that
 * matter, summed over threads: {@code bytes} (bytes read per second) for the read benchmarks and
 * {@code flops} (floating-point operations per second, an FMA counting as 2) for the FMA ones.
 *
 * <p>The forked JVM runs with {@code -XX:+UseTransparentHugePages}: on Linux with transparent huge
 * pages set to {@code madvise} (as here), the heap then gets 2 MiB pages, which lifts the DRAM read
 * rate (fewer TLB misses); {@link TopKBenchmark} runs with the same flag so the two compare.
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar MachineLimitsBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Xms3g",
            "-Xmx3g",
            "-XX:+UseTransparentHugePages"
        })
public class MachineLimitsBenchmark {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** FMA steps per pass of {@link #fma}: 12 chains x this many steps. */
    static final int FMA_STEPS = 1 << 16;

    /** The array one thread reads; its own per thread. */
    @State(Scope.Thread)
    public static class Memory {
        /** Size of the array one pass of {@link #read} sums, in KiB. */
        @Param({"256", "16384", "32768", "524288"})
        public int kib;

        float[] data;

        @Setup(Level.Trial)
        public void setUp() {
            data = new float[kib * 256];
            for (int i = 0; i < data.length; i++) {
                data[i] = (i & 1023) * 1e-3f;
            }
        }
    }

    /** Starting values of the FMA chains, opaque to the compiler. */
    @State(Scope.Thread)
    public static class Seeds {
        float[] values;

        @Setup(Level.Trial)
        public void setUp() {
            values = new float[F.length() * 13];
            for (int i = 0; i < values.length; i++) {
                values[i] = 1e-3f * i;
            }
        }
    }

    /** Bytes read by the measured passes, normalised by JMH to per second, summed over threads. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        /** Bytes read. */
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    /** Floating-point operations of the measured passes (an FMA counts as 2), per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        /** Floating-point operations. */
        public long flops;

        @Setup(Level.Iteration)
        public void reset() {
            flops = 0;
        }
    }

    /** Reads the whole array once on one thread. */
    @Benchmark
    @Threads(1)
    public float read(Memory memory, Bytes rates) {
        rates.bytes += 4L * memory.data.length;
        return sum(memory.data);
    }

    /** Reads a whole array once on every core, one array per thread. */
    @Benchmark
    @Threads(Threads.MAX)
    public float readAllCores(Memory memory, Bytes rates) {
        rates.bytes += 4L * memory.data.length;
        return sum(memory.data);
    }

    /** Runs 12 independent FMA chains on one core. */
    @Benchmark
    @Threads(1)
    public float fma(Seeds seeds, Flops rates) {
        rates.flops += 2L * 12 * FMA_STEPS * F.length();
        return fmaChains(seeds.values);
    }

    /** Runs 12 independent FMA chains on every core. */
    @Benchmark
    @Threads(Threads.MAX)
    public float fmaAllCores(Seeds seeds, Flops rates) {
        rates.flops += 2L * 12 * FMA_STEPS * F.length();
        return fmaChains(seeds.values);
    }

    static float sum(float[] x) {
        int l = F.length();
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int i = 0;
        for (; i + 8 * l <= x.length; i += 8 * l) {
            a0 = a0.add(FloatVector.fromArray(F, x, i));
            a1 = a1.add(FloatVector.fromArray(F, x, i + l));
            a2 = a2.add(FloatVector.fromArray(F, x, i + 2 * l));
            a3 = a3.add(FloatVector.fromArray(F, x, i + 3 * l));
            a4 = a4.add(FloatVector.fromArray(F, x, i + 4 * l));
            a5 = a5.add(FloatVector.fromArray(F, x, i + 5 * l));
            a6 = a6.add(FloatVector.fromArray(F, x, i + 6 * l));
            a7 = a7.add(FloatVector.fromArray(F, x, i + 7 * l));
        }
        float s =
                a0.add(a1)
                        .add(a2)
                        .add(a3)
                        .add(a4)
                        .add(a5)
                        .add(a6)
                        .add(a7)
                        .reduceLanes(VectorOperators.ADD);
        for (; i < x.length; i++) {
            s += x[i];
        }
        return s;
    }

    static float fmaChains(float[] seeds) {
        int l = F.length();
        // Multiplier just below 1 and a small addend keep the values finite and non-denormal.
        FloatVector m = FloatVector.broadcast(F, 0.999f + seeds[1] * 1e-6f);
        FloatVector c = FloatVector.broadcast(F, seeds[2]);
        FloatVector a0 = FloatVector.fromArray(F, seeds, 0);
        FloatVector a1 = FloatVector.fromArray(F, seeds, l);
        FloatVector a2 = FloatVector.fromArray(F, seeds, 2 * l);
        FloatVector a3 = FloatVector.fromArray(F, seeds, 3 * l);
        FloatVector a4 = FloatVector.fromArray(F, seeds, 4 * l);
        FloatVector a5 = FloatVector.fromArray(F, seeds, 5 * l);
        FloatVector a6 = FloatVector.fromArray(F, seeds, 6 * l);
        FloatVector a7 = FloatVector.fromArray(F, seeds, 7 * l);
        FloatVector a8 = FloatVector.fromArray(F, seeds, 8 * l);
        FloatVector a9 = FloatVector.fromArray(F, seeds, 9 * l);
        FloatVector a10 = FloatVector.fromArray(F, seeds, 10 * l);
        FloatVector a11 = FloatVector.fromArray(F, seeds, 11 * l);
        for (int i = 0; i < FMA_STEPS; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1)
                .add(a2)
                .add(a3)
                .add(a4)
                .add(a5)
                .add(a6)
                .add(a7)
                .add(a8)
                .add(a9)
                .add(a10)
                .add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
