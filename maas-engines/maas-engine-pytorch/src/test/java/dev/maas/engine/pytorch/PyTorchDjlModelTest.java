package dev.maas.engine.pytorch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.maas.Endpoint;
import dev.maas.InvalidInputException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.testing.MlpModel;
import dev.maas.testing.ReferenceMath;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A DJL-native MLP built and saved in the test, served through {@link ModelService} on PyTorch. */
class PyTorchDjlModelTest {
    private static final int IN = 6;
    private static final int HIDDEN = 16;
    private static final int OUT = 3;
    private static final double TOLERANCE = 1e-5;

    @TempDir static Path tmp;

    private static ModelService maas;
    private static MlpModel mlp;
    private static NDManager manager;

    @BeforeAll
    static void publish() {
        mlp = MlpModel.random(IN, HIDDEN, OUT, 42);
        Path artifacts = tmp.resolve("artifacts");
        mlp.save(artifacts, "mlp", PyTorchBackend.ENGINE);
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("mlp")
                                .engine(PyTorchBackend.ENGINE)
                                .format(PyTorchBackend.DJL)
                                .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, IN))
                                .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, OUT))
                                .properties(mlp.cardProperties())
                                .build(),
                        artifacts));
        manager = NDManager.newBaseManager(PyTorchBackend.ENGINE);
    }

    @AfterAll
    static void close() {
        manager.close();
        maas.close();
    }

    @Test
    void predict_matchesPlainJavaForward() {
        float[][] x = ReferenceMath.uniform(new Random(7), 5, IN, 2f);
        Endpoint endpoint = maas.endpoint("mlp");

        try (NDManager call = manager.newSubManager()) {
            NDList out = endpoint.predict(new NDList(call.create(x)));

            assertThat(out).hasSize(1);
            NDArray y = out.singletonOrThrow();
            assertThat(y.getShape()).isEqualTo(new Shape(5, OUT));
            assertClose(ReferenceMath.reshape(y.toFloatArray(), 5), mlp.forward(x));
        }
    }

    @Test
    void predict_rejectsWrongShapeWithExpectedSignature() {
        Endpoint endpoint = maas.endpoint("mlp");
        try (NDManager call = manager.newSubManager()) {
            NDList bad = new NDList(call.ones(new Shape(2, IN + 1)));
            assertThatThrownBy(() -> endpoint.predict(bad))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("mlp:1")
                    .hasMessageContaining("x: float32 (-1, 6)")
                    .hasMessageContaining("(2, 7)");
        }
    }

    static void assertClose(float[][] actual, float[][] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertThat((double) actual[i][j])
                        .as("[%d][%d]", i, j)
                        .isCloseTo(expected[i][j], within(TOLERANCE));
            }
        }
    }
}
