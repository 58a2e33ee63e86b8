package dev.maas.benchmarks;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.maas.Endpoint;
import dev.maas.EngineOptions;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.ServingOptions;
import dev.maas.TensorSpec;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Callers asking an MLP for predictions, one row per call, served three ways side by side in one
 * JVM run:
 *
 * <ul>
 *   <li>{@code perCall}: plain DJL as often written, a new {@link Predictor} per call on one loaded
 *       model;
 *   <li>{@code perThread}: plain DJL done carefully, one predictor per thread, reused, no batching;
 *   <li>{@code maas}: a maas {@link Endpoint}: a lone call runs on its caller's thread, calls that
 *       arrive while every predictor is busy queue and run as one batch.
 * </ul>
 *
 * <p>Three models ({@link #model}): {@code mlp-32-64-8}, tiny, where a call costs little more than
 * its overhead; {@code mlp-256-1024-1024-256} (1.6 M weights, 6.4 MB, held in the caches), where a
 * call is real compute; and {@code mlp-1024-4096-4096-1024} (25 M weights, 100 MB, the size of a
 * small transformer encoder, read from memory on every call), where a batch reads the weights once
 * for all its rows and batching multiplies throughput most. Two loads: {@link #oneCaller} (one
 * thread) and {@link #sixteenCallers} (16 threads).
 *
 * <p>Every call, for every peer, builds its input in a per-call sub-manager of the thread's manager
 * and closes it after reading the output back to the heap, as a leak-free DJL caller does; the
 * model is loaded once. Throughput mode gives calls per millisecond (all threads together);
 * sample-time mode gives the latency distribution of single calls (p50, p99, p99.9).
 *
 * <p>{@link #device}: {@code cpu} (default) or {@code gpu}, honoured through DJL's {@link Device}
 * for the model, the callers' arrays and maas's {@link EngineOptions}. Asked for {@code gpu} when
 * DJL sees none (this jar carries CPU natives; a GPU needs a build with CUDA natives, see the
 * README's GPU section), the trial fails at once with a message that says so; the report runner
 * passes {@code -p device=cpu,gpu} only when DJL sees a GPU, and otherwise says the GPU cases were
 * skipped.
 *
 * <p>Run: {@code mvn -pl maas-benchmarks -am package -DskipTests} then {@code java -jar
 * maas-benchmarks/target/maas-benchmarks.jar ServingBenchmark} (add {@code -f 1 -wi 2 -i 3} for a
 * short run, {@code -p peer=maas} for one peer, {@code -p model=mlp-32-64-8} for one model).
 * Natives come from the jar: no network is needed ({@code -Dai.djl.offline=true} is set for the
 * forked JVM).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
public class ServingBenchmark {
    static final int INPUTS = 32;
    static final int HIDDEN = 64;
    static final int OUTPUTS = 8;

    /** The MLP: {@code mlp-<inputs>-<hidden>...-<outputs>}. */
    @Param({"mlp-32-64-8", "mlp-256-1024-1024-256", "mlp-1024-4096-4096-1024"})
    public String model;

    /** Which way the calls are served. */
    @Param({"perCall", "perThread", "maas"})
    public String peer;

    /** maas's workers (and predictors) for the model; 0 for its default (see ServingOptions). */
    @Param({"0"})
    public int maasWorkers;

    /**
     * PyTorch's intra-op threads, for every peer alike ({@code ai.djl.pytorch.num_threads}, set
     * before the engine starts; maas also gets it as {@link EngineOptions#INTRA_OP_THREADS}, which
     * sizes its workers to {@code cores / threads}); 0 for the engine's default, every core. With
     * many callers, one thread per operator is DJL's advice: otherwise each caller spreads every
     * operator over all cores and they oversubscribe them.
     */
    @Param({"0"})
    public int intraOpThreads;

    /** Where the model runs: {@code cpu} or {@code gpu}. */
    @Param({"cpu"})
    public String device;

    private int inputs;
    private Device dev;
    private Path dir;
    private ZooModel<NDList, NDList> djlModel;
    private ModelService maas;
    private Endpoint endpoint;

    /** Saves the MLP, then loads it the way {@link #peer} needs. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        EngineOptions engine = EngineOptions.defaults();
        if (intraOpThreads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOpThreads));
            engine = engine.with(EngineOptions.INTRA_OP_THREADS, Integer.toString(intraOpThreads));
        }
        dev = Devices.resolve(device);
        String[] parts = model.split("-");
        if (parts.length < 4 || !parts[0].equals("mlp")) {
            throw new IllegalArgumentException(
                    "model must be mlp-<inputs>-<hidden>...-<outputs>, was " + model);
        }
        inputs = Integer.parseInt(parts[1]);
        int outputs = Integer.parseInt(parts[parts.length - 1]);
        String hidden = String.join(",", java.util.Arrays.copyOfRange(parts, 2, parts.length - 1));
        dir = Files.createTempDirectory("maas-bench");
        Path artifacts = dir.resolve("mlp");
        Files.createDirectories(artifacts);
        MlpFactory.save(artifacts, "mlp", inputs, hidden, outputs);
        Map<String, String> props =
                Map.of(
                        "blockFactory",
                        MlpFactory.class.getName(),
                        MlpFactory.HIDDEN,
                        hidden,
                        MlpFactory.OUTPUTS,
                        Integer.toString(outputs));
        if (peer.equals("maas")) {
            maas =
                    ModelService.builder()
                            .root(dir.resolve("repo"))
                            .engineOptions(engine.withDevice(dev))
                            .serving(ServingOptions.builder().workers(maasWorkers).build())
                            .build();
            maas.publish(
                    ModelPackage.of(
                            ModelCard.builder("mlp")
                                    .engine("PyTorch")
                                    .format("djl")
                                    .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, inputs))
                                    .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, outputs))
                                    .properties(props)
                                    .build(),
                            artifacts));
            maas.setAlias("mlp", "production", 1); // loads and warms up
            endpoint = maas.endpoint("mlp@production");
        } else {
            Criteria.Builder<NDList, NDList> criteria =
                    Criteria.builder()
                            .setTypes(NDList.class, NDList.class)
                            .optModelPath(artifacts)
                            .optModelName("mlp")
                            .optEngine("PyTorch")
                            .optDevice(dev);
            for (Map.Entry<String, String> e : props.entrySet()) {
                criteria.optArgument(e.getKey(), e.getValue());
            }
            djlModel = criteria.build().loadModel();
        }
    }

    /** Closes the model and deletes the files. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (maas != null) {
            maas.close();
        }
        if (djlModel != null) {
            djlModel.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One caller thread: its manager, its input row and (for {@code perThread}) its predictor. */
    @State(Scope.Thread)
    public static class Caller {
        NDManager manager;
        float[] row;
        Predictor<NDList, NDList> predictor;

        /** Creates the thread's manager, input and predictor. */
        @Setup(Level.Trial)
        public void setUp(ServingBenchmark bench) {
            manager = NDManager.newBaseManager(bench.dev, "PyTorch");
            Random random = new Random(Thread.currentThread().getId());
            row = new float[bench.inputs];
            for (int i = 0; i < row.length; i++) {
                row[i] = random.nextFloat() * 2 - 1;
            }
            if (bench.peer.equals("perThread")) {
                predictor = bench.djlModel.newPredictor();
            }
        }

        /** Closes what the thread made. */
        @TearDown(Level.Trial)
        public void tearDown() {
            if (predictor != null) {
                predictor.close();
            }
            manager.close();
        }
    }

    /** One caller: one prediction of one row, served by {@link #peer}. */
    @Benchmark
    @Threads(1)
    public float oneCaller(Caller caller) throws Exception {
        return predict(caller);
    }

    /** Sixteen callers at once: one prediction of one row each, served by {@link #peer}. */
    @Benchmark
    @Threads(16)
    public float sixteenCallers(Caller caller) throws Exception {
        return predict(caller);
    }

    /** Returns the first output value. */
    private float predict(Caller caller) throws Exception {
        try (NDManager call = caller.manager.newSubManager()) {
            NDList input = new NDList(call.create(caller.row, new Shape(1, inputs)));
            NDList output;
            switch (peer) {
                case "perCall":
                    try (Predictor<NDList, NDList> p = djlModel.newPredictor()) {
                        output = p.predict(input);
                    }
                    break;
                case "perThread":
                    output = caller.predictor.predict(input);
                    break;
                case "maas":
                    output = endpoint.predict(input);
                    break;
                default:
                    throw new IllegalArgumentException(
                            "peer must be perCall, perThread or maas, was " + peer);
            }
            return output.head().toFloatArray()[0];
        }
    }
}
