package dev.maas.benchmarks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.maas.Endpoint;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.QuotaExceededException;
import dev.maas.TensorSpec;
import dev.maas.Visibility;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Quota;
import dev.maas.access.RepositoryDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Two teams sharing one model through the marketplace: the latency of team {@code music}'s calls
 * (one thread, within its quota of 64 calls in flight) while team {@code search} (two threads,
 * quota of one call in flight) either stays idle ({@code flood=none}) or floods the model past its
 * quota ({@code flood=search}), its extra calls refused at once with {@link
 * QuotaExceededException}. The model is the small MLP of {@link ServingBenchmark} (32 inputs, 64
 * hidden, 8 outputs, one row per call), reached through principal-scoped endpoints, so access
 * checks, quota admission and usage counting are on every call. Compare {@code shared:music}
 * between the two values of {@code flood}: the ratio is what the flooding team costs the other one
 * on the same host (here, CPU time for the refused calls and the admitted one).
 *
 * <p>Run: {@code java -jar maas-benchmarks/target/maas-benchmarks.jar QuotaIsolationBenchmark}
 * ({@code -f 1 -wi 2 -i 3} for a short run).
 */
@State(Scope.Group)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
public class QuotaIsolationBenchmark {
    /** Whether team search floods the model past its quota. */
    @Param({"none", "search"})
    public String flood;

    private Path dir;
    private ModelService maas;
    private Endpoint music;
    private Endpoint search;

    /** Publishes the MLP owned by team home, shares it with both teams with their quotas. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("maas-bench");
        Path artifacts = Files.createDirectories(dir.resolve("mlp"));
        MlpFactory.save(
                artifacts,
                "mlp",
                ServingBenchmark.INPUTS,
                ServingBenchmark.HIDDEN,
                ServingBenchmark.OUTPUTS);
        maas = ModelService.builder().root(dir.resolve("repo")).build();
        RepositoryDirectory directory = (RepositoryDirectory) maas.marketplace().directory();
        for (String team : new String[] {"home", "search", "music"}) {
            directory.addTeam(team);
        }
        directory.addPrincipal("owner", "home");
        directory.addPrincipal("svc-search", "search");
        directory.addPrincipal("svc-music", "music");
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("mlp")
                                .task("ranking")
                                .owner("home")
                                .visibility(Visibility.RESTRICTED)
                                .engine("PyTorch")
                                .format("djl")
                                .inputs(
                                        TensorSpec.of(
                                                "x", DataType.FLOAT32, -1, ServingBenchmark.INPUTS))
                                .properties(
                                        Map.of(
                                                "blockFactory",
                                                MlpFactory.class.getName(),
                                                MlpFactory.HIDDEN,
                                                Integer.toString(ServingBenchmark.HIDDEN),
                                                MlpFactory.OUTPUTS,
                                                Integer.toString(ServingBenchmark.OUTPUTS)))
                                .build(),
                        artifacts));
        maas.setAlias("mlp", "production", 1); // loads and warms up
        var owner = maas.as("owner");
        owner.grant("mlp", Grantee.team("search"), Permission.USE, new Quota(1, 0));
        owner.grant("mlp", Grantee.team("music"), Permission.USE, new Quota(64, 0));
        music = maas.as("svc-music").endpoint("mlp@production");
        search = maas.as("svc-search").endpoint("mlp@production");
    }

    /** Closes the service and deletes the files. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        maas.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One caller thread: its manager and input row. */
    @State(Scope.Thread)
    public static class Caller {
        NDManager manager;
        float[] row;

        /** Creates the thread's manager and input. */
        @Setup(Level.Trial)
        public void setUp() {
            manager = NDManager.newBaseManager("PyTorch");
            Random random = new Random(Thread.currentThread().getId());
            row = new float[ServingBenchmark.INPUTS];
            for (int i = 0; i < row.length; i++) {
                row[i] = random.nextFloat() * 2 - 1;
            }
        }

        /** Closes the thread's manager. */
        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }

        float call(Endpoint endpoint) {
            try (NDManager call = manager.newSubManager()) {
                NDList input = new NDList(call.create(row, new Shape(1, ServingBenchmark.INPUTS)));
                return endpoint.predict(input).head().toFloatArray()[0];
            }
        }
    }

    /** One call of team music, within its quota: the latency measured. */
    @Benchmark
    @Group("shared")
    @GroupThreads(1)
    public float music(Caller caller) {
        return caller.call(music);
    }

    /** One call of team search when flooding (most are refused), else a 1 ms pause. */
    @Benchmark
    @Group("shared")
    @GroupThreads(2)
    public void search(Caller caller, Blackhole bh) {
        if (flood.equals("none")) {
            LockSupport.parkNanos(1_000_000);
            return;
        }
        try {
            bh.consume(caller.call(search));
        } catch (QuotaExceededException refused) {
            bh.consume(refused);
        }
    }
}
