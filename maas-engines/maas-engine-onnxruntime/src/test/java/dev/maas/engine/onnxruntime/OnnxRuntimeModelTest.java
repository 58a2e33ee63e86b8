package dev.maas.engine.onnxruntime;

import static dev.maas.testing.FloatAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.maas.EngineOptions;
import dev.maas.InvalidInputException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.spi.DjlLoadedModel;
import dev.maas.testing.DenseModel;
import dev.maas.testing.MatrixTranslator;
import dev.maas.testing.NdResources;
import dev.maas.testing.ReferenceMath;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ONNX graph {@code relu(x · W + b)} written by the test ({@link DenseModel#writeOnnx}),
 * published and served through {@link ModelService} on ONNX Runtime.
 */
class OnnxRuntimeModelTest {
    private static final int IN = 7;
    private static final int OUT = 5;

    @TempDir static Path tmp;

    private static ModelService maas;
    private static DenseModel dense;
    private static NDManager manager;

    @BeforeAll
    static void publish() {
        dense = DenseModel.random(IN, OUT, 2024);
        Path artifacts = tmp.resolve("artifacts");
        dense.writeOnnx(artifacts.resolve("dense.onnx"));
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        maas.publish(ModelPackage.of(card("dense").build(), artifacts));
        maas.publish(
                ModelPackage.of(
                        card("dense-tuned")
                                .property(EngineOptions.INTER_OP_THREADS, "1")
                                .property(EngineOptions.INTRA_OP_THREADS, "1")
                                .property(EngineOptions.GRAPH_OPTIMIZER, "false")
                                .build(),
                        artifacts));
        maas.publish(ModelPackage.of(ModelCard.builder("dense-detected").build(), artifacts));
        manager = NDManager.newBaseManager(OnnxRuntimeBackend.ENGINE);
    }

    private static ModelCard.Builder card(String name) {
        return ModelCard.builder(name)
                .engine(OnnxRuntimeBackend.ENGINE)
                .format(OnnxRuntimeBackend.ONNX)
                .inputs(TensorSpec.of(DenseModel.INPUT, DataType.FLOAT32, -1, IN))
                .outputs(TensorSpec.of(DenseModel.OUTPUT, DataType.FLOAT32, -1, OUT));
    }

    @AfterAll
    static void close() {
        manager.close();
        maas.close();
    }

    @Test
    void predict_matchesPlainJavaForward() {
        float[][] x = ReferenceMath.uniform(new Random(1), 9, IN, 2f);
        try (NDManager call = manager.newSubManager()) {
            NDList out = maas.endpoint("dense").predict(new NDList(call.create(x)));

            NDArray y = out.singletonOrThrow();
            assertThat(y.getShape()).isEqualTo(new Shape(9, OUT));
            assertThat(y.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(y.getManager()).isSameAs(call);
            assertClose(ReferenceMath.reshape(y.toFloatArray(), 9), dense.forward(x));
        }
    }

    @Test
    void predict_matchesInputsByName() {
        float[][] x = ReferenceMath.uniform(new Random(2), 2, IN, 1f);
        try (NDManager call = manager.newSubManager()) {
            NDArray named = call.create(x);
            named.setName(DenseModel.INPUT);

            NDArray y = maas.endpoint("dense").predict(new NDList(named)).singletonOrThrow();

            assertClose(ReferenceMath.reshape(y.toFloatArray(), 2), dense.forward(x));
        }
    }

    @Test
    void predictTyped_servesEveryBatchSize() {
        Random random = new Random(3);
        MatrixTranslator translator = new MatrixTranslator();
        for (int batch : new int[] {1, 4, 100, 2}) {
            float[][] x = ReferenceMath.uniform(random, batch, IN, 1f);
            assertClose(maas.endpoint("dense").predict(x, translator), dense.forward(x));
        }
        assertThat(translator.preparedCount()).isEqualTo(1);
    }

    @Test
    void engineOptions_reachTheSession() {
        float[][] x = ReferenceMath.uniform(new Random(4), 3, IN, 1f);

        assertClose(
                maas.endpoint("dense-tuned").predict(x, new MatrixTranslator()), dense.forward(x));
        assertThat(
                        OnnxRuntimeBackend.sessionOptions(
                                EngineOptions.defaults()
                                        .mergedWith(
                                                maas.resolve(maas.endpoint("dense-tuned").ref())
                                                        .properties())))
                .containsEntry("interOpNumThreads", "1")
                .containsEntry("intraOpNumThreads", "1")
                .containsEntry("optLevel", "NO_OPT");
    }

    @Test
    void load_detectsOnnxWhenTheCardNamesNoEngine() {
        float[][] x = ReferenceMath.uniform(new Random(5), 2, IN, 1f);

        assertClose(
                maas.endpoint("dense-detected").predict(x, new MatrixTranslator()),
                dense.forward(x));
        String loadedAs =
                maas.apply(
                        maas.endpoint("dense-detected").ref(),
                        DjlLoadedModel.class,
                        m -> m.card().engine() + "/" + m.card().format());
        assertThat(loadedAs).isEqualTo("OnnxRuntime/onnx");
    }

    @Test
    void predict_rejectsWrongShapeTypeAndCount_thenServes() {
        assertRejected(
                call -> new NDList(call.create(new float[2][IN + 2])),
                "input 0 'x' is float32 (2, 9), expected x: float32 (-1, 7)");
        assertRejected(
                call -> new NDList(call.create(new float[IN])),
                "input 0 'x' is float32 (7), expected x: float32 (-1, 7)");
        assertRejected(
                call -> new NDList(call.create(new int[2][IN])),
                "input 0 'x' is int32 (2, 7), expected x: float32 (-1, 7)");
        assertRejected(
                call -> new NDList(call.create(new double[2][IN])),
                "input 0 'x' is float64 (2, 7), expected x: float32 (-1, 7)");
        assertRejected(
                call -> new NDList(call.create(new float[2][IN]), call.create(new float[2][IN])),
                "2 arrays instead of 1");

        float[][] x = ReferenceMath.uniform(new Random(6), 3, IN, 1f);
        assertClose(maas.endpoint("dense").predict(x, new MatrixTranslator()), dense.forward(x));
    }

    @Test
    void predict_leavesNoArraysBehind() {
        MatrixTranslator translator = new MatrixTranslator();
        float[][] rows = ReferenceMath.uniform(new Random(7), 8, IN, 1f);
        maas.endpoint("dense").predict(rows, translator);
        NDManager modelManager = translator.lastModel().getNDManager();
        NDManager engineRoot = modelManager.getParentManager();

        try (NDManager caller = manager.newSubManager()) {
            NDList input = new NDList(caller.create(rows));
            for (int i = 0; i < 10; i++) { // warm up: predictors are created lazily
                maas.endpoint("dense").predict(input).close();
                maas.endpoint("dense").predict(rows, translator);
            }
            int callerBefore = NdResources.count(caller);
            int modelBefore = NdResources.count(modelManager);
            int engineBefore = NdResources.count(engineRoot);

            for (int i = 0; i < 1000; i++) {
                NDList out = maas.endpoint("dense").predict(input);
                assertThat(out.singletonOrThrow().getShape()).isEqualTo(new Shape(8, OUT));
                out.close();
                maas.endpoint("dense").predict(rows, translator);
            }

            assertThat(callerBefore).as("only the input array").isEqualTo(1);
            assertThat(NdResources.count(caller)).as("caller's manager").isEqualTo(callerBefore);
            assertThat(NdResources.count(modelManager))
                    .as("model's manager")
                    .isEqualTo(modelBefore);
            assertThat(NdResources.count(engineRoot))
                    .as("engine's system manager")
                    .isEqualTo(engineBefore);
        }
    }

    private static void assertRejected(Function<NDManager, NDList> input, String detail) {
        try (NDManager call = manager.newSubManager()) {
            NDList bad = input.apply(call);
            assertThatThrownBy(() -> maas.endpoint("dense").predict(bad))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("model dense:1")
                    .hasMessageContaining(detail)
                    .hasMessageContaining("expected signature [x: float32 (-1, 7)]");
        }
    }
}
