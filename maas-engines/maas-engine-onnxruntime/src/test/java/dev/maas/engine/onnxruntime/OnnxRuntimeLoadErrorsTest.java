package dev.maas.engine.onnxruntime;

import static dev.maas.testing.FloatAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.maas.EngineOptions;
import dev.maas.EngineUnavailableException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.testing.DenseModel;
import dev.maas.testing.MatrixTranslator;
import dev.maas.testing.OnnxModelWriter;
import dev.maas.testing.ReferenceMath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models ONNX Runtime cannot load: each fails with a precise exception naming the model, and the
 * service keeps serving the good one.
 */
class OnnxRuntimeLoadErrorsTest {
    @TempDir static Path tmp;

    private static ModelService maas;
    private static DenseModel dense;

    @BeforeAll
    static void setUp() {
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        dense = DenseModel.random(3, 2, 8);
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("good").build(),
                        dense.writeOnnx(tmp.resolve("good").resolve("dense.onnx")).getParent()));
    }

    @AfterAll
    static void close() {
        maas.close();
    }

    @Test
    void garbageOnnx_isMalformedAndNamesTheModel() throws IOException {
        byte[] garbage = new byte[3000];
        new Random(1).nextBytes(garbage);
        publish("garbage", "model.onnx", garbage);

        assertThatThrownBy(() -> predict("garbage"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("engine OnnxRuntime cannot load model garbage:1 (onnx)");
        assertServes();
    }

    @Test
    void truncatedOnnx_isMalformedAndNamesTheModel() throws IOException {
        byte[] model = Files.readAllBytes(tmp.resolve("good").resolve("dense.onnx"));
        publish("cut", "dense.onnx", Arrays.copyOf(model, model.length - 17));

        assertThatThrownBy(() -> predict("cut"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("cut:1 (onnx)");
        assertServes();
    }

    @Test
    void graphWithDanglingInput_isMalformedAndNamesTheModel() throws IOException {
        byte[] broken =
                OnnxModelWriter.graph("broken")
                        .input("x", OnnxModelWriter.FLOAT, "N", 3)
                        .node("MatMul", List.of("x", "missing"), List.of("y"))
                        .output("y", OnnxModelWriter.FLOAT, "N", 2)
                        .toByteArray();
        publish("dangling", "broken.onnx", broken);

        assertThatThrownBy(() -> predict("dangling"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("dangling:1 (onnx)")
                .hasMessageContaining("missing");
        assertServes();
    }

    @Test
    void modelFile_canNameAFileInASubfolder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("nested"));
        Files.writeString(dir.resolve("README.txt"), "the graph is in onnx/");
        DenseModel nested = DenseModel.random(3, 2, 31);
        nested.writeOnnx(dir.resolve("onnx").resolve("dense.onnx"));
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("nested")
                                .engine(OnnxRuntimeBackend.ENGINE)
                                .format(OnnxRuntimeBackend.ONNX)
                                .property(OnnxRuntimeBackend.MODEL_FILE, "onnx/dense.onnx")
                                .build(),
                        dir));

        float[][] x = ReferenceMath.uniform(new Random(10), 3, 3, 1f);
        assertClose(maas.endpoint("nested").predict(x, new MatrixTranslator()), nested.forward(x));
    }

    @Test
    void missingEngine_namesTheMavenArtifactToAdd() {
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("torch-model").engine("PyTorch").format("djl").build(),
                        tmp.resolve("good")));

        assertThatThrownBy(() -> predict("torch-model"))
                .isInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("torch-model:1 needs engine PyTorch")
                .hasMessageContaining("dev.maas:maas-engine-pytorch")
                .hasMessageContaining("OnnxRuntime [onnx]");
        assertServes();
    }

    @Test
    void gpuDeviceWithCpuNatives_isUnavailableAndSaysWhy() {
        try (ModelService onGpu =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .engineOptions(EngineOptions.defaults().withDevice(Device.gpu(0)))
                        .build()) {
            assertThatThrownBy(
                            () ->
                                    onGpu.endpoint("good")
                                            .predict(
                                                    new float[][] {{1, 2, 3}},
                                                    new MatrixTranslator()))
                    .isInstanceOf(EngineUnavailableException.class)
                    .hasMessageContaining("model good:1 (onnx) should run on gpu(0)")
                    .hasMessageContaining("engine OnnxRuntime sees 0 GPUs");
        }
        assertServes();
    }

    @Test
    void invalidThreadOption_isRejectedWithTheKeyAndValue() {
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("bad-threads")
                                .property(EngineOptions.INTRA_OP_THREADS, "many")
                                .build(),
                        tmp.resolve("good")));

        assertThatThrownBy(() -> predict("bad-threads"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("engine option intraOpThreads must be a positive integer, was 'many'");
        assertServes();
    }

    @Test
    void sessionOptions_mapMaasKeysButLetOrtKeysWin() {
        EngineOptions options =
                EngineOptions.defaults()
                        .with(EngineOptions.INTER_OP_THREADS, "3")
                        .with(EngineOptions.INTRA_OP_THREADS, "2")
                        .with(EngineOptions.GRAPH_OPTIMIZER, "true")
                        .with("intraOpNumThreads", "4");

        assertThat(OnnxRuntimeBackend.sessionOptions(options))
                .containsEntry("interOpNumThreads", "3")
                .containsEntry("optLevel", "ALL_OPT")
                .doesNotContainKey("intraOpNumThreads");
        assertThat(
                        OnnxRuntimeBackend.sessionOptions(
                                EngineOptions.defaults()
                                        .with(EngineOptions.GRAPH_OPTIMIZER, "false")
                                        .with("optLevel", "BASIC_OPT")))
                .isEmpty();
    }

    private static void publish(String name, String file, byte[] bytes) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.write(dir.resolve(file), bytes);
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder(name)
                                .engine(OnnxRuntimeBackend.ENGINE)
                                .format(OnnxRuntimeBackend.ONNX)
                                .build(),
                        dir));
    }

    private static float[][] predict(String name) {
        return maas.endpoint(name).predict(new float[][] {{1, 2, 3}}, new MatrixTranslator());
    }

    private static void assertServes() {
        float[][] x = ReferenceMath.uniform(new Random(9), 4, 3, 1f);
        assertClose(maas.endpoint("good").predict(x, new MatrixTranslator()), dense.forward(x));
    }
}
