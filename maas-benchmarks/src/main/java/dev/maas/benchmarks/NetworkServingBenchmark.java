package dev.maas.benchmarks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import dev.maas.Endpoint;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.client.InferResponse;
import dev.maas.client.MaasClient;
import dev.maas.client.Tensor;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.server.MaasServer;
import inference.GRPCInferenceServiceGrpc;
import inference.ModelInferRequest;
import inference.ModelInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * What the network costs per call: the same small-tensor inference and the same recommendation
 * served in-process, over REST (HTTP/1.1 on loopback) and over gRPC (HTTP/2 on loopback), in one
 * run, by a few concurrent callers.
 *
 * <ul>
 *   <li>{@code infer}: one row of 32 floats through the MLP ({@code 32 -> 64 -> 8}, PyTorch). In
 *       process: {@link Endpoint#predict}; REST: {@link MaasClient#infer} (JSON tensors); gRPC:
 *       {@code ModelInfer} on the generated blocking stub with {@code raw_input_contents}.
 *   <li>{@code recommend}: top 10 of 1,682 items for the next of 1,000 users (biased MF, 64
 *       factors). In process: {@link Recommender#recommend}; REST: {@code POST
 *       /api/v1/models/movies/recommend} through {@code java.net.http}, the JSON answer parsed. The
 *       Open Inference Protocol has no recommend operation, so gRPC has no peer here.
 * </ul>
 *
 * <p>Throughput (ops/ms) and sampled latency (ms/op, with p50/p99) come from the same run; the
 * network overhead per call is the latency difference between a transport and in-process. Both
 * server and callers share the machine, so on few cores the numbers include their contention.
 *
 * <p>Run (after {@code mvn -pl maas-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar maas-benchmarks/target/maas-benchmarks.jar NetworkServingBenchmark
 * </pre>
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(4)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Dai.djl.offline=true",
            "-Xms2g",
            "-Xmx2g"
        })
public class NetworkServingBenchmark {
    static final int INPUTS = 32;
    static final int HIDDEN = 64;
    static final int OUTPUTS = 8;
    static final int USERS = 1_000;
    static final int ITEMS = 1_682;
    static final int FACTORS = 64;
    static final int K = 10;

    /** The served models and the server, shared by every caller. */
    @State(Scope.Benchmark)
    public static class Served {
        Path dir;
        ModelService maas;
        MaasServer server;
        Endpoint endpoint;
        Recommender recommender;
        MaasClient rest;
        HttpClient http;
        ManagedChannel channel;
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc;
        final AtomicInteger nextUser = new AtomicInteger();

        /** Publishes the MLP and the recommender, starts REST and gRPC on loopback, warms both. */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("maas-bench-net");
            maas = ModelService.builder().root(dir.resolve("repo")).build();
            Path artifacts = dir.resolve("mlp");
            Files.createDirectories(artifacts);
            MlpFactory.save(artifacts, "mlp", INPUTS, HIDDEN, OUTPUTS);
            maas.publish(
                    ModelPackage.of(
                            ModelCard.builder("mlp")
                                    .engine("PyTorch")
                                    .format("djl")
                                    .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, INPUTS))
                                    .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, OUTPUTS))
                                    .properties(
                                            Map.of(
                                                    "blockFactory",
                                                    MlpFactory.class.getName(),
                                                    MlpFactory.HIDDEN,
                                                    Integer.toString(HIDDEN),
                                                    MlpFactory.OUTPUTS,
                                                    Integer.toString(OUTPUTS)))
                                    .build(),
                            artifacts));
            endpoint = maas.endpoint("mlp");
            publishRecommender(maas);
            recommender = Recommender.open(maas, "movies");

            server = MaasServer.builder(maas).port(0).grpcPort(0).build().start();
            rest = MaasClient.builder(server.uri()).timeout(Duration.ofSeconds(30)).build();
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            channel =
                    NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                            .usePlaintext()
                            .build();
            grpc = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        }

        /** Stops the server and the clients, closes the service and deletes the files. */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException, InterruptedException {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            rest.close();
            server.close();
            maas.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }

        String nextUser() {
            return "u" + Math.floorMod(nextUser.getAndIncrement(), USERS);
        }
    }

    /** One caller thread's input row and NDArray manager. */
    @State(Scope.Thread)
    public static class Caller {
        NDManager manager;
        float[] row;
        byte[] rowBytes;

        /** Makes the thread's seeded row and its manager. */
        @Setup(Level.Trial)
        public void setUp() {
            manager = NDManager.newBaseManager("PyTorch");
            SplittableRandom random = new SplittableRandom(Thread.currentThread().getId());
            row = new float[INPUTS];
            ByteBuffer b = ByteBuffer.allocate(INPUTS * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < INPUTS; i++) {
                row[i] = (float) (random.nextDouble() * 2 - 1);
                b.putFloat(row[i]);
            }
            rowBytes = b.array();
        }

        /** Closes the manager. */
        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /** Transport of the inference call. */
    @State(Scope.Benchmark)
    public static class InferVia {
        @Param({"in-process", "rest", "grpc"})
        public String transport;
    }

    /** Transport of the recommendation call. */
    @State(Scope.Benchmark)
    public static class RecommendVia {
        @Param({"in-process", "rest"})
        public String transport;
    }

    /** One row through the MLP; returns the first output value. */
    @Benchmark
    public float infer(Served s, Caller c, InferVia via) {
        switch (via.transport) {
            case "in-process":
                try (NDManager call = c.manager.newSubManager()) {
                    NDList out =
                            s.endpoint.predict(
                                    new NDList(call.create(c.row, new Shape(1, INPUTS))));
                    return out.head().toFloatArray()[0];
                }
            case "rest":
                InferResponse r =
                        s.rest.infer("mlp", Tensor.ofFloats("x", new long[] {1, INPUTS}, c.row));
                return r.outputs().get(0).asFloats()[0];
            case "grpc":
                ModelInferResponse g =
                        s.grpc.withDeadlineAfter(30, TimeUnit.SECONDS)
                                .modelInfer(
                                        ModelInferRequest.newBuilder()
                                                .setModelName("mlp")
                                                .addInputs(
                                                        ModelInferRequest.InferInputTensor
                                                                .newBuilder()
                                                                .setName("x")
                                                                .setDatatype("FP32")
                                                                .addShape(1)
                                                                .addShape(INPUTS))
                                                .addRawInputContents(
                                                        ByteString.copyFrom(c.rowBytes))
                                                .build());
                return g.getRawOutputContents(0)
                        .asReadOnlyByteBuffer()
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getFloat(0);
            default:
                throw new IllegalArgumentException(via.transport);
        }
    }

    /** Top 10 items for the next user; returns the best item's id. */
    @Benchmark
    public String recommend(Served s, RecommendVia via) throws IOException, InterruptedException {
        String user = s.nextUser();
        switch (via.transport) {
            case "in-process":
                Recommendations r = s.recommender.recommend(user, K);
                return r.items().get(0).item().id();
            case "rest":
                HttpResponse<String> response =
                        s.http.send(
                                HttpRequest.newBuilder(
                                                s.server
                                                        .uri()
                                                        .resolve("/api/v1/models/movies/recommend"))
                                        .timeout(Duration.ofSeconds(30))
                                        .header("Content-Type", "application/json")
                                        .POST(
                                                HttpRequest.BodyPublishers.ofString(
                                                        "{\"user\":\""
                                                                + user
                                                                + "\",\"k\":"
                                                                + K
                                                                + "}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException(
                            "recommend answered " + response.statusCode() + ": " + response.body());
                }
                JsonObject body = JsonParser.parseString(response.body()).getAsJsonObject();
                return body.toString();
            default:
                throw new IllegalArgumentException(via.transport);
        }
    }

    /** A biased-MF recommender over a MovieLens-100K-sized catalogue, seeded. */
    static void publishRecommender(ModelService maas) {
        SplittableRandom r = new SplittableRandom(42);
        List<ItemInfo> catalogue = new ArrayList<>(ITEMS);
        for (int i = 0; i < ITEMS; i++) {
            catalogue.add(
                    new ItemInfo(Integer.toString(i + 1), "Title " + (i + 1), List.of("Drama")));
        }
        Interactions.Builder b = Interactions.builder().catalogue(catalogue, List.of("Drama"));
        for (int u = 0; u < USERS; u++) {
            String user = "u" + u;
            r.ints(0, ITEMS)
                    .distinct()
                    .limit(20)
                    .forEach(i -> b.add(user, Integer.toString(i + 1), 4f, 0L));
        }
        Interactions train = b.build();
        FactorModel model =
                new FactorModel(
                        ModelType.BIASED_MF,
                        FACTORS,
                        train.users(),
                        train.items(),
                        catalogue,
                        List.of("Drama"),
                        gaussian(r, USERS * FACTORS),
                        gaussian(r, ITEMS * FACTORS),
                        new float[USERS],
                        gaussian(r, ITEMS),
                        3.5f,
                        1f,
                        5f,
                        Map.of());
        RecommenderPackage.builder()
                .model(model)
                .trainingData(train)
                .build()
                .publish(maas, "movies");
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] =
                    (float)
                            (0.3
                                    * Math.sqrt(-2 * Math.log(1 - r.nextDouble()))
                                    * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return a;
    }
}
