package dev.maas.engine.tensorflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.maas.Endpoint;
import dev.maas.EngineOptions;
import dev.maas.InvalidInputException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.testing.NdResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.OptimizerOptions;

/** End-to-end tests: SavedModels built here, published and served through {@link ModelService}. */
class TensorFlowBackendTest {
    private static final int IN = 6;
    private static final int OUT = 3;
    private static final DenseSavedModel DENSE = DenseSavedModel.random(IN, OUT, 42);

    @TempDir static Path exported;
    private static Path savedModel;

    @TempDir Path root;
    private ModelService maas;
    private NDManager manager;

    @BeforeAll
    static void exportModel() throws IOException {
        savedModel = DENSE.export(exported.resolve("dense"));
    }

    @BeforeEach
    void startService() {
        maas = ModelService.builder().root(root).build();
        manager = NDManager.newBaseManager("TensorFlow");
    }

    @AfterEach
    void stopService() {
        manager.close();
        maas.close();
    }

    private static ModelCard.Builder denseCard(String name) {
        return ModelCard.builder(name)
                .inputs(TensorSpec.of(DenseSavedModel.INPUT, DataType.FLOAT32, -1, IN))
                .outputs(TensorSpec.of(DenseSavedModel.OUTPUT, DataType.FLOAT32, -1, OUT));
    }

    private NDList batch(float[][] x) {
        NDArray array = manager.create(x);
        array.setName(DenseSavedModel.INPUT);
        return new NDList(array);
    }

    private static float[][] randomBatch(int rows, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[rows][IN];
        for (float[] row : x) {
            for (int i = 0; i < IN; i++) {
                row[i] = (float) (r.nextGaussian() * 2);
            }
        }
        return x;
    }

    private static void assertMatches(NDArray actual, float[][] expected) {
        assertThat(actual.getShape()).isEqualTo(new Shape(expected.length, OUT));
        float[] values = actual.toFloatArray();
        for (int n = 0; n < expected.length; n++) {
            for (int j = 0; j < OUT; j++) {
                assertThat(values[n * OUT + j])
                        .as("row %d, column %d", n, j)
                        .isCloseTo(expected[n][j], within(1e-4f));
            }
        }
    }

    @Test
    void predict_matchesPlainJava() {
        ModelCard card =
                maas.publish(
                        ModelPackage.of(
                                denseCard("dense")
                                        .engine("TensorFlow")
                                        .format("savedmodel")
                                        .build(),
                                savedModel));
        Endpoint endpoint = maas.endpoint("dense:" + card.version());

        float[][] x = randomBatch(16, 7);
        NDList out = endpoint.predict(batch(x));

        assertThat(out).hasSize(1);
        float[][] expected = DENSE.apply(x);
        assertMatches(out.singletonOrThrow(), expected);
        // The relu must be doing something, or the check above proves little.
        float[] values = out.singletonOrThrow().toFloatArray();
        assertThat(values).contains(0f);
        assertThat(max(values)).isGreaterThan(0.5f);
    }

    @Test
    void detectsSavedModel_whenCardNamesNoEngineOrFormat() {
        maas.publish(ModelPackage.of(denseCard("detected").build(), savedModel));

        float[][] x = randomBatch(3, 11);
        NDList out = maas.endpoint("detected").predict(batch(x));

        assertMatches(out.singletonOrThrow(), DENSE.apply(x));
        assertThat(new TensorFlowBackend().detectFormat(savedModel)).contains("savedmodel");
        assertThat(new TensorFlowBackend().detectFormat(exported)).isEmpty();
    }

    @Test
    void wrongShape_isRejectedWithSignature_andEndpointKeepsServing() {
        maas.publish(ModelPackage.of(denseCard("shapes").build(), savedModel));
        Endpoint endpoint = maas.endpoint("shapes");

        assertThatThrownBy(() -> endpoint.predict(batch(new float[2][IN + 1])))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("shapes")
                .hasMessageContaining("x: float32 (-1, " + IN + ")")
                .hasMessageContaining("(2, " + (IN + 1) + ")");

        float[][] x = randomBatch(4, 3);
        assertMatches(endpoint.predict(batch(x)).singletonOrThrow(), DENSE.apply(x));
    }

    @Test
    void corruptSavedModel_failsAsMalformed_namingTheModel(@TempDir Path broken)
            throws IOException {
        copyTree(savedModel, broken);
        byte[] garbage = new byte[512];
        new Random(1).nextBytes(garbage);
        Files.write(broken.resolve("saved_model.pb"), garbage);
        maas.publish(ModelPackage.of(denseCard("garbled").build(), broken));

        assertThatThrownBy(() -> maas.endpoint("garbled").predict(batch(randomBatch(1, 1))))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("garbled:1")
                .hasMessageContaining("TensorFlow");

        // A healthy model in the same service still serves.
        maas.publish(ModelPackage.of(denseCard("healthy").build(), savedModel));
        float[][] x = randomBatch(2, 5);
        assertMatches(
                maas.endpoint("healthy").predict(batch(x)).singletonOrThrow(), DENSE.apply(x));
    }

    @Test
    void nativesComeFromTheExtractedFolder() {
        maas.publish(ModelPackage.of(denseCard("natives").build(), savedModel));
        maas.endpoint("natives").predict(batch(randomBatch(1, 2)));

        String configured = System.getProperty(TensorFlowNatives.LIBRARY_PATH_KEY);
        assumeThat(System.getenv(TensorFlowNatives.LIBRARY_PATH_KEY)).isNull();
        assertThat(configured).isNotNull();
        Path dir = Path.of(configured);
        assertThat(dir.getParent()).isEqualTo(TensorFlowNatives.cacheRoot());
        assertThat(dir.resolve(System.mapLibraryName("jnitensorflow"))).isRegularFile();
        assertThat(dir.resolve("libtensorflow_cc.so.2")).isRegularFile();
        assertThat(dir.resolve("libtensorflow_framework.so.2")).isRegularFile();
        assertThat(TensorFlowNatives.prepare(getClass().getClassLoader())).isEqualTo(dir);
    }

    @Test
    void engineOptions_threadsAndOptimizer_reachTheSession() {
        try (ModelService tuned =
                ModelService.builder()
                        .root(root)
                        .engineOptions(
                                EngineOptions.defaults()
                                        .with(EngineOptions.INTER_OP_THREADS, "1")
                                        .with(EngineOptions.INTRA_OP_THREADS, "2")
                                        .with(EngineOptions.GRAPH_OPTIMIZER, "false"))
                        .build()) {
            tuned.publish(ModelPackage.of(denseCard("tuned").build(), savedModel));
            float[][] x = randomBatch(5, 9);
            assertMatches(
                    tuned.endpoint("tuned").predict(batch(x)).singletonOrThrow(), DENSE.apply(x));
        }
    }

    @Test
    void sessionConfig_encodesThreadsAndOptimizer() throws Exception {
        assertThat(TensorFlowBackend.sessionConfig(EngineOptions.defaults())).isNull();

        String encoded =
                TensorFlowBackend.sessionConfig(
                        EngineOptions.defaults()
                                .with(EngineOptions.INTER_OP_THREADS, "3")
                                .with(EngineOptions.INTRA_OP_THREADS, "4")
                                .with(EngineOptions.GRAPH_OPTIMIZER, "false"));
        ConfigProto config = ConfigProto.parseFrom(Base64.getDecoder().decode(encoded));

        assertThat(config.getInterOpParallelismThreads()).isEqualTo(3);
        assertThat(config.getIntraOpParallelismThreads()).isEqualTo(4);
        assertThat(config.getGraphOptions().getOptimizerOptions().getOptLevel())
                .isEqualTo(OptimizerOptions.Level.L0);
        assertThat(config.getGraphOptions().getRewriteOptions().getDisableMetaOptimizer()).isTrue();

        ConfigProto optimized =
                ConfigProto.parseFrom(
                        Base64.getDecoder()
                                .decode(
                                        TensorFlowBackend.sessionConfig(
                                                EngineOptions.defaults()
                                                        .with(
                                                                EngineOptions.GRAPH_OPTIMIZER,
                                                                "true"))));
        assertThat(optimized.getGraphOptions().getRewriteOptions().getDisableMetaOptimizer())
                .isFalse();
    }

    @Test
    void sessionConfig_rejectsBadThreadCounts() {
        assertThatThrownBy(
                        () ->
                                TensorFlowBackend.sessionConfig(
                                        EngineOptions.defaults()
                                                .with(EngineOptions.INTRA_OP_THREADS, "many")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("intraOpThreads")
                .hasMessageContaining("'many'")
                .hasMessageContaining(">= 0");
        assertThatThrownBy(
                        () ->
                                TensorFlowBackend.sessionConfig(
                                        EngineOptions.defaults()
                                                .with(EngineOptions.INTER_OP_THREADS, "-2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interOpThreads");
    }

    @Test
    void savedModelFormat_withoutSavedModelFile_isMalformed(@TempDir Path notSaved)
            throws IOException {
        Files.writeString(notSaved.resolve("model.onnx"), "not a SavedModel");
        maas.publish(
                ModelPackage.of(
                        denseCard("mislabelled").engine("TensorFlow").format("savedmodel").build(),
                        notSaved));

        assertThatThrownBy(() -> maas.endpoint("mislabelled").predict(batch(randomBatch(1, 1))))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("mislabelled:1")
                .hasMessageContaining("saved_model.pb");
    }

    @Test
    void concurrentCallers_allGetTheirOwnCorrectResults() throws Exception {
        maas.publish(ModelPackage.of(denseCard("shared").build(), savedModel));
        Endpoint endpoint = maas.endpoint("shared");
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = 100 + t;
                results.add(
                        pool.submit(
                                () -> {
                                    Random r = new Random(seed);
                                    for (int i = 0; i < 50; i++) {
                                        float[][] x = randomBatch(1 + r.nextInt(8), r.nextLong());
                                        try (NDManager own =
                                                NDManager.newBaseManager("TensorFlow")) {
                                            NDArray in = own.create(x);
                                            in.setName(DenseSavedModel.INPUT);
                                            NDList out = endpoint.predict(new NDList(in));
                                            assertMatches(out.singletonOrThrow(), DENSE.apply(x));
                                        }
                                    }
                                    return 50;
                                }));
            }
            int done = 0;
            for (Future<Integer> f : results) {
                done += f.get();
            }
            assertThat(done).isEqualTo(threads * 50);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void repeatedCalls_leaveNoArraysBehind() {
        maas.publish(ModelPackage.of(denseCard("tidy").build(), savedModel));
        Endpoint endpoint = maas.endpoint("tidy");
        // The engine's root manager: models, callers' managers and per-call managers hang below.
        NDManager system = manager.getParentManager();
        Runnable call =
                () -> {
                    try (NDManager own = NDManager.newBaseManager("TensorFlow")) {
                        NDArray in = own.create(randomBatch(8, 1));
                        in.setName(DenseSavedModel.INPUT);
                        endpoint.predict(new NDList(in)).singletonOrThrow().toFloatArray();
                    }
                };
        for (int i = 0; i < 10; i++) {
            call.run();
        }
        int before = NdResources.count(system);

        for (int i = 0; i < 300; i++) {
            call.run();
        }

        // Models of earlier tests may still be closing in the background, so the count may
        // drop; a leak would add at least one resource per call.
        assertThat(NdResources.count(system)).isLessThanOrEqualTo(before);
    }

    private static float max(float[] values) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
