package dev.maas.benchmarks;

import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import dev.maas.recommend.train.TrainingResult;
import java.lang.management.ManagementFactory;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long {@link RecommenderTrainer#fit} takes on the default sample catalogue (943 users, 1682
 * items, 80,000 training ratings after a 20% holdout), per model type, with the default
 * hyperparameters (early stopping included), on one PyTorch intra-op thread and on two.
 *
 * <p>Each invocation is one complete training run, so the mode is single-shot; training is
 * deterministic, so every run does the same work. Thread counts are peers in the same JVM: compare
 * {@code threads=2} with {@code threads=1} of the same model. Besides wall time, process CPU time
 * and epochs are summed into the secondary results {@code cpuNanos} and {@code epochs} (totals over
 * the measured runs); on a machine shared with other work CPU time moves much less than wall time.
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar TrainingBenchmark
 * java -jar maas-benchmarks/target/maas-benchmarks.jar TrainingBenchmark -p model=BIASED_MF
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx4g", "-Dai.djl.offline=true"})
public class TrainingBenchmark {

    @Param({"BIASED_MF", "BPR_MF", "TWO_TOWER"})
    public String model;

    @Param({"1", "2"})
    public int threads;

    private Split split;
    private RecommenderTrainer trainer;

    @Setup(Level.Trial)
    public void setUp() {
        split = Splits.randomHoldout(SampleCatalog.defaults().generate(), 0.2, 7);
        trainer =
                RecommenderTrainer.create(
                        TrainingConfig.builder(ModelType.valueOf(model)).threads(threads).build());
    }

    @Benchmark
    public TrainingResult fit(Counters counters) {
        long start = Counters.processCpuNanos();
        TrainingResult result = trainer.fit(split.train());
        counters.cpuNanos += Counters.processCpuNanos() - start;
        counters.epochs += result.epochs().size();
        return result;
    }

    /** CPU time and epochs of the measured runs, reported next to the wall time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean();

        /** Process CPU nanoseconds spent in the measured runs, all threads. */
        public long cpuNanos;

        /** Epochs run by the measured runs. */
        public long epochs;

        @Setup(Level.Iteration)
        public void reset() {
            cpuNanos = 0;
            epochs = 0;
        }

        static long processCpuNanos() {
            return OS.getProcessCpuTime();
        }
    }
}
