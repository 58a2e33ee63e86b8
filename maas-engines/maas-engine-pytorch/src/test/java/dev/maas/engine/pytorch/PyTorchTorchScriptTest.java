package dev.maas.engine.pytorch;

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
import dev.maas.testing.ReferenceMath;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript archive written by the test ({@link DenseModel#writeTorchScript}, compiled by
 * libtorch at load), published and served through {@link ModelService}.
 */
class PyTorchTorchScriptTest {
    private static final int IN = 5;
    private static final int OUT = 4;

    @TempDir static Path tmp;

    private static ModelService maas;
    private static DenseModel dense;
    private static NDManager manager;

    @BeforeAll
    static void publish() {
        dense = DenseModel.random(IN, OUT, 99);
        Path artifacts = tmp.resolve("artifacts");
        dense.writeTorchScript(artifacts.resolve("dense.pt"));
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        maas.publish(ModelPackage.of(card("dense").build(), artifacts));
        maas.publish(
                ModelPackage.of(
                        card("dense-no-optimizer")
                                .property(EngineOptions.GRAPH_OPTIMIZER, "false")
                                .build(),
                        artifacts));
        // Neither engine nor format: both are found from the .pt file.
        maas.publish(ModelPackage.of(ModelCard.builder("dense-detected").build(), artifacts));
        manager = NDManager.newBaseManager(PyTorchBackend.ENGINE);
    }

    private static ModelCard.Builder card(String name) {
        return ModelCard.builder(name)
                .engine(PyTorchBackend.ENGINE)
                .format(PyTorchBackend.TORCHSCRIPT)
                .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, IN))
                .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, OUT));
    }

    @AfterAll
    static void close() {
        manager.close();
        maas.close();
    }

    @Test
    void predict_matchesPlainJavaForward() {
        float[][] x = ReferenceMath.uniform(new Random(1), 6, IN, 2f);
        try (NDManager call = manager.newSubManager()) {
            NDArray y =
                    maas.endpoint("dense").predict(new NDList(call.create(x))).singletonOrThrow();

            assertThat(y.getShape()).isEqualTo(new Shape(6, OUT));
            assertClose(ReferenceMath.reshape(y.toFloatArray(), 6), dense.forward(x));
        }
    }

    @Test
    void predict_withGraphOptimizerOff_servesVaryingBatchSizes() {
        Random random = new Random(2);
        for (int batch : new int[] {1, 7, 64, 3}) {
            float[][] x = ReferenceMath.uniform(random, batch, IN, 1f);
            assertClose(
                    maas.endpoint("dense-no-optimizer").predict(x, new MatrixTranslator()),
                    dense.forward(x));
        }
    }

    @Test
    void load_detectsTorchScriptWhenTheCardNamesNoEngine() {
        float[][] x = ReferenceMath.uniform(new Random(3), 2, IN, 1f);

        assertClose(
                maas.endpoint("dense-detected").predict(x, new MatrixTranslator()),
                dense.forward(x));
        String format =
                maas.apply(
                        maas.endpoint("dense-detected").ref(),
                        DjlLoadedModel.class,
                        m -> m.card().engine() + "/" + m.card().format());
        assertThat(format).isEqualTo("PyTorch/torchscript");
    }

    @Test
    void predict_rejectsWrongWidth_thenServes() {
        try (NDManager call = manager.newSubManager()) {
            NDList bad = new NDList(call.ones(new Shape(3, IN - 1)));
            assertThatThrownBy(() -> maas.endpoint("dense").predict(bad))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("dense:1")
                    .hasMessageContaining("expected signature [x: float32 (-1, 5)]")
                    .hasMessageContaining("float32 (3, 4)");
        }
        float[][] x = ReferenceMath.uniform(new Random(4), 3, IN, 1f);
        assertClose(maas.endpoint("dense").predict(x, new MatrixTranslator()), dense.forward(x));
    }

    @Test
    void graphOptimizer_defaultsToPyTorchsOnAndParsesTheOption() {
        assertThat(PyTorchBackend.graphOptimizer(EngineOptions.defaults())).isTrue();
        assertThat(
                        PyTorchBackend.graphOptimizer(
                                EngineOptions.defaults()
                                        .mergedWith(
                                                Map.of(EngineOptions.GRAPH_OPTIMIZER, " FALSE"))))
                .isFalse();
        assertThatThrownBy(
                        () ->
                                PyTorchBackend.graphOptimizer(
                                        EngineOptions.defaults()
                                                .with(EngineOptions.GRAPH_OPTIMIZER, "sometimes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("engine option graphOptimizer must be true or false, was 'sometimes'");
    }
}
