package dev.maas.engine.pytorch;

import static dev.maas.testing.FloatAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.maas.Endpoint;
import dev.maas.InvalidInputException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.testing.MatrixTranslator;
import dev.maas.testing.MlpModel;
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
 * A DJL-native MLP (Linear, ReLU, Linear) built and saved in the test, published and served through
 * {@link ModelService} on PyTorch; outputs are checked against {@link MlpModel#forward}.
 */
class PyTorchDjlModelTest {
    private static final int IN = 6;
    private static final int HIDDEN = 16;
    private static final int OUT = 3;

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
            assertThat(y.getManager()).isSameAs(call);
            assertClose(ReferenceMath.reshape(y.toFloatArray(), 5), mlp.forward(x));
        }
    }

    @Test
    void predict_servesEveryBatchSize() {
        Endpoint endpoint = maas.endpoint("mlp:1");
        Random random = new Random(11);
        for (int batch : new int[] {1, 2, 33, 8}) {
            float[][] x = ReferenceMath.uniform(random, batch, IN, 1f);
            try (NDManager call = manager.newSubManager()) {
                NDArray y = endpoint.predict(new NDList(call.create(x))).singletonOrThrow();
                assertClose(ReferenceMath.reshape(y.toFloatArray(), batch), mlp.forward(x));
            }
        }
    }

    @Test
    void predictTyped_runsTranslatorAroundTheModel() {
        MatrixTranslator translator = new MatrixTranslator();
        float[][] x = ReferenceMath.uniform(new Random(3), 4, IN, 1f);

        float[][] y = maas.endpoint("mlp").predict(x, translator);
        float[][] again = maas.endpoint("mlp").predict(x, translator);

        assertClose(y, mlp.forward(x));
        assertClose(again, y);
        assertThat(translator.preparedCount()).isEqualTo(1);
    }

    @Test
    void predict_rejectsWrongShapeWithExpectedSignature_thenServes() {
        assertRejected(
                call -> new NDList(call.ones(new Shape(2, IN + 1))),
                "input 0 'x' is float32 (2, 7), expected x: float32 (-1, 6)");
        assertRejected(
                call -> new NDList(call.ones(new Shape(IN))),
                "input 0 'x' is float32 (6), expected x: float32 (-1, 6)");
        assertServes();
    }

    @Test
    void predict_rejectsWrongDataTypeWithExpectedSignature_thenServes() {
        assertRejected(
                call -> new NDList(call.ones(new Shape(2, IN), DataType.FLOAT64)),
                "input 0 'x' is float64 (2, 6), expected x: float32 (-1, 6)");
        assertRejected(
                call -> new NDList(call.ones(new Shape(2, IN), DataType.INT32)),
                "input 0 'x' is int32 (2, 6), expected x: float32 (-1, 6)");
        assertServes();
    }

    @Test
    void predict_rejectsWrongInputCountWithExpectedSignature_thenServes() {
        assertRejected(
                call -> new NDList(call.ones(new Shape(2, IN)), call.ones(new Shape(2, IN))),
                "2 arrays instead of 1");
        assertRejected(call -> new NDList(), "got no input");
        assertServes();
    }

    @Test
    void predict_leavesNoArraysBehind() {
        Endpoint endpoint = maas.endpoint("mlp");
        MatrixTranslator translator = new MatrixTranslator();
        float[][] rows = ReferenceMath.uniform(new Random(5), 8, IN, 1f);
        endpoint.predict(rows, translator);
        NDManager modelManager = translator.lastModel().getNDManager();
        NDManager engineRoot = modelManager.getParentManager();

        try (NDManager caller = manager.newSubManager()) {
            NDList input = new NDList(caller.create(rows));
            for (int i = 0; i < 10; i++) { // warm up: predictors are created lazily
                endpoint.predict(input).close();
                endpoint.predict(rows, translator);
            }
            // DJL's model loader does not close the model of a load that fails (earlier tests in
            // this JVM fail loads on purpose); such models are closed by their finalizers, which
            // would change the engine's count in the middle of the loop. Let them run first.
            System.gc();
            System.runFinalization();
            int callerBefore = NdResources.count(caller);
            int modelBefore = NdResources.count(modelManager);
            int engineBefore = NdResources.count(engineRoot);

            for (int i = 0; i < 1000; i++) {
                NDList out = endpoint.predict(input);
                assertThat(out.singletonOrThrow().getShape()).isEqualTo(new Shape(8, OUT));
                out.close();
                endpoint.predict(rows, translator);
            }

            assertThat(NdResources.count(caller)).as("caller's manager").isEqualTo(callerBefore);
            assertThat(NdResources.count(modelManager))
                    .as("model's manager")
                    .isEqualTo(modelBefore);
            // The engine's root also holds models that earlier test classes leaked through failed
            // loads (DJL leaves them open); the garbage collector may finalize them meanwhile,
            // which only lowers the count, while a leak here raises it by a resource per call.
            assertThat(NdResources.count(engineRoot))
                    .as("engine's system manager")
                    .isLessThanOrEqualTo(engineBefore);
            assertThat(callerBefore).as("only the input array").isEqualTo(1);
        }
    }

    @Test
    void predict_outputsBelongToTheCallersScope() {
        try (NDManager call = manager.newSubManager()) {
            NDArray x = call.create(ReferenceMath.uniform(new Random(12), 2, IN, 1f));
            NDArray kept;
            NDArray scoped;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                kept = maas.endpoint("mlp").predict(new NDList(x)).singletonOrThrow();
                scoped = maas.endpoint("mlp").predict(new NDList(x)).singletonOrThrow();
                NDScope.unregister(kept);
            }

            assertThat(scoped.isReleased()).as("output left in the caller's scope").isTrue();
            assertThat(kept.isReleased()).as("output taken out of the scope").isFalse();
            assertThat(x.isReleased()).as("input").isFalse();
        }
    }

    private static void assertRejected(Function<NDManager, NDList> input, String detail) {
        Endpoint endpoint = maas.endpoint("mlp");
        try (NDManager call = manager.newSubManager()) {
            NDList bad = input.apply(call);
            assertThatThrownBy(() -> endpoint.predict(bad))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("model mlp:1")
                    .hasMessageContaining(detail)
                    .hasMessageContaining("expected")
                    .hasMessageContaining("[x: float32 (-1, 6)]");
        }
    }

    private static void assertServes() {
        float[][] x = ReferenceMath.uniform(new Random(1), 3, IN, 1f);
        assertClose(maas.endpoint("mlp").predict(x, new MatrixTranslator()), mlp.forward(x));
    }
}
