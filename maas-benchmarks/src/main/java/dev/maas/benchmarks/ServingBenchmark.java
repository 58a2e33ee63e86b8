package dev.maas.benchmarks;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.maas.Endpoint;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
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
 * Sixteen threads each asking a small MLP (32 inputs, 64 hidden units, 8 outputs, one row per call)
 * for predictions, served three ways side by side in one JVM run:
 *
 * <ul>
 *   <li>{@code naive}: plain DJL as often written, a new {@link Predictor} per call on one loaded
 *       model;
 *   <li>{@code perThread}: plain DJL done carefully, one predictor per thread, reused, no batching;
 *   <li>{@code maas}: a maas {@link Endpoint}, whose workers batch the calls of all threads.
 * </ul>
 *
 * <p>Every call, for every peer, builds its input in a per-call sub-manager of the thread's manager
 * and closes it after reading the output back to the heap, as a leak-free DJL caller does; the
 * model is loaded once. Throughput mode gives calls per second (all threads together); sample-time
 * mode gives the latency distribution of single calls, including p50 and p99.
 *
 * <p>Run: {@code mvn -pl maas-benchmarks -am package -DskipTests} then {@code java -jar
 * maas-benchmarks/target/maas-benchmarks.jar ServingBenchmark} (add {@code -f 1 -wi 2 -i 3} for a
 * short run, {@code -p peer=maas} for one peer). Natives come from the jar: no network is needed
 * ({@code -Dai.djl.offline=true} is set for the forked JVM).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(16)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
public class ServingBenchmark {
    static final int INPUTS = 32;
    static final int HIDDEN = 64;
    static final int OUTPUTS = 8;

    /** Which way the calls are served. */
    @Param({"naive", "perThread", "maas"})
    public String peer;

    private Path dir;
    private ZooModel<NDList, NDList> djlModel;
    private ModelService maas;
    private Endpoint endpoint;

    /** Saves the MLP, then loads it the way {@link #peer} needs. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("maas-bench");
        Path artifacts = dir.resolve("mlp");
        Files.createDirectories(artifacts);
        MlpFactory.save(artifacts, "mlp", INPUTS, HIDDEN, OUTPUTS);
        Map<String, String> props =
                Map.of(
                        "blockFactory",
                        MlpFactory.class.getName(),
                        MlpFactory.HIDDEN,
                        Integer.toString(HIDDEN),
                        MlpFactory.OUTPUTS,
                        Integer.toString(OUTPUTS));
        if (peer.equals("maas")) {
            maas = ModelService.builder().root(dir.resolve("repo")).build();
            maas.publish(
                    ModelPackage.of(
                            ModelCard.builder("mlp")
                                    .engine("PyTorch")
                                    .format("djl")
                                    .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, INPUTS))
                                    .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, OUTPUTS))
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
                            .optEngine("PyTorch");
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
            manager = NDManager.newBaseManager("PyTorch");
            Random random = new Random(Thread.currentThread().getId());
            row = new float[INPUTS];
            for (int i = 0; i < INPUTS; i++) {
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

    /** One prediction of one row, served by {@link #peer}; returns the first output value. */
    @Benchmark
    public float predict(Caller caller) throws Exception {
        try (NDManager call = caller.manager.newSubManager()) {
            NDList input =
                    new NDList(call.create(caller.row, new ai.djl.ndarray.types.Shape(1, INPUTS)));
            NDList output;
            switch (peer) {
                case "naive":
                    try (Predictor<NDList, NDList> p = djlModel.newPredictor()) {
                        output = p.predict(input);
                    }
                    break;
                case "perThread":
                    output = caller.predictor.predict(input);
                    break;
                default:
                    output = endpoint.predict(input);
            }
            return output.head().toFloatArray()[0];
        }
    }
}
