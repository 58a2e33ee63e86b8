package dev.maas.engine.pytorch;

import static dev.maas.testing.FloatAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.nn.BlockFactory;
import dev.maas.EngineOptions;
import dev.maas.EngineUnavailableException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.testing.DenseModel;
import dev.maas.testing.MatrixTranslator;
import dev.maas.testing.MlpModel;
import dev.maas.testing.ReferenceMath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models PyTorch cannot load: each fails with a precise exception naming the model, and the service
 * keeps serving the good one.
 */
class PyTorchLoadErrorsTest {
    @TempDir static Path tmp;

    private static ModelService maas;
    private static DenseModel dense;
    private static MlpModel mlp;
    private static Path mlpDir;

    @BeforeAll
    static void setUp() {
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        dense = DenseModel.random(3, 2, 5);
        Path good = dense.writeTorchScript(tmp.resolve("good").resolve("dense.pt")).getParent();
        maas.publish(ModelPackage.of(ModelCard.builder("good").build(), good));
        mlp = MlpModel.random(3, 4, 2, 6);
        mlpDir = tmp.resolve("mlp");
        mlp.save(mlpDir, "mlp", PyTorchBackend.ENGINE);
    }

    @AfterAll
    static void close() {
        maas.close();
    }

    @Test
    void garbageTorchScript_isMalformedAndNamesTheModel() throws IOException {
        publishBytes("garbage-pt", "model.pt", randomBytes(4096), PyTorchBackend.TORCHSCRIPT);

        assertThatThrownBy(() -> predict("garbage-pt"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining(
                        "engine PyTorch cannot load model garbage-pt:1 (torchscript)");
        assertServes();
    }

    @Test
    void truncatedTorchScript_isMalformedAndNamesTheModel() throws IOException {
        byte[] archive = Files.readAllBytes(tmp.resolve("good").resolve("dense.pt"));
        publishBytes(
                "cut-pt",
                "dense.pt",
                Arrays.copyOf(archive, archive.length / 2),
                PyTorchBackend.TORCHSCRIPT);

        assertThatThrownBy(() -> predict("cut-pt"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("cut-pt:1 (torchscript)");
        assertServes();
    }

    @Test
    void garbageParams_isMalformedAndNamesTheModel() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("garbage-params"));
        Files.write(dir.resolve("mlp-0000.params"), randomBytes(2048));
        maas.publish(ModelPackage.of(djlCard("garbage-params").build(), dir));

        assertThatThrownBy(() -> predict("garbage-params"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining(
                        "model garbage-params:1 (djl): mlp-0000.params is not a DJL parameter"
                                + " file");
        assertServes();
    }

    @Test
    void truncatedParams_isMalformedAndNamesTheModel() throws IOException {
        byte[] params = Files.readAllBytes(mlpDir.resolve("mlp-0000.params"));
        Path dir = Files.createDirectories(tmp.resolve("cut-params"));
        Files.write(dir.resolve("mlp-0000.params"), Arrays.copyOf(params, params.length - 40));
        maas.publish(ModelPackage.of(djlCard("cut-params").build(), dir));

        assertThatThrownBy(() -> predict("cut-params"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("cut-params:1 (djl)");
        assertServes();
    }

    @Test
    void djlModelWithoutBlockFactory_saysWhichPropertyIsMissing() {
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("no-factory")
                                .engine(PyTorchBackend.ENGINE)
                                .format(PyTorchBackend.DJL)
                                .build(),
                        mlpDir));

        assertThatThrownBy(() -> predict("no-factory"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("no-factory:1 (djl)")
                .hasMessageContaining("no 'blockFactory' property");
    }

    @Test
    void blockFactoryMissingFromClassPath_isNamed() {
        maas.publish(
                ModelPackage.of(
                        djlCard("unknown-factory")
                                .property("blockFactory", "com.example.NoSuchFactory")
                                .build(),
                        mlpDir));

        assertThatThrownBy(() -> predict("unknown-factory"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("unknown-factory:1 (djl)")
                .hasMessageContaining(
                        "block factory com.example.NoSuchFactory, which is not on the class path");
    }

    @Test
    void blockFactoryOfTheWrongType_isNamed() {
        maas.publish(
                ModelPackage.of(
                        djlCard("string-factory")
                                .property("blockFactory", "java.lang.String")
                                .build(),
                        mlpDir));

        assertThatThrownBy(() -> predict("string-factory"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining(
                        "block factory java.lang.String, which does not implement "
                                + BlockFactory.class.getName());
    }

    @Test
    void missingEngine_namesTheMavenArtifactToAdd() {
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("tf-model")
                                .engine("TensorFlow")
                                .format("savedmodel")
                                .build(),
                        mlpDir));

        assertThatThrownBy(() -> predict("tf-model"))
                .isInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("tf-model:1")
                .hasMessageContaining("needs engine TensorFlow")
                .hasMessageContaining("dev.maas:maas-engine-tensorflow")
                .hasMessageContaining("PyTorch");
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
                    .hasMessageContaining("model good:1 (torchscript) should run on gpu(0)")
                    .hasMessageContaining("engine PyTorch sees 0 GPUs")
                    .hasMessageContaining("CPU build");
        }
        assertServes();
    }

    @Test
    void unrecognisedFiles_sayNoEngineFits() throws IOException {
        publishBytes("mystery", "weights.bin", randomBytes(64), null);

        assertThatThrownBy(() -> predict("mystery"))
                .isInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("no engine recognises the files of model mystery:1")
                .hasMessageContaining("PyTorch [");
    }

    @Test
    void severalTorchScriptFiles_needTheCardToNameOne() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("two-pt"));
        dense.writeTorchScript(dir.resolve("a.pt"));
        DenseModel other = DenseModel.random(3, 2, 77);
        other.writeTorchScript(dir.resolve("b.pt"));
        maas.publish(ModelPackage.of(ModelCard.builder("two-pt").build(), dir));
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("two-pt-named").property("modelFile", "b.pt").build(),
                        dir));

        assertThatThrownBy(() -> predict("two-pt"))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("two-pt:1 (torchscript) has several .pt files [a.pt, b.pt]")
                .hasMessageContaining("'modelFile'");
        float[][] x = ReferenceMath.uniform(new Random(8), 2, 3, 1f);
        assertClose(
                maas.endpoint("two-pt-named").predict(x, new MatrixTranslator()), other.forward(x));
    }

    @Test
    void detectFormat_looksAtTheFileNames() throws IOException {
        PyTorchBackend backend = new PyTorchBackend();
        Path empty = Files.createDirectories(tmp.resolve("detect-empty"));
        Files.writeString(empty.resolve("notes.params.txt"), "x");

        assertThat(backend.detectFormat(tmp.resolve("good"))).contains("torchscript");
        assertThat(backend.detectFormat(mlpDir)).contains("djl");
        assertThat(backend.detectFormat(empty)).isEqualTo(Optional.empty());
    }

    private static ModelCard.Builder djlCard(String name) {
        return ModelCard.builder(name)
                .engine(PyTorchBackend.ENGINE)
                .format(PyTorchBackend.DJL)
                .properties(mlp.cardProperties());
    }

    private static void publishBytes(String name, String file, byte[] bytes, String format)
            throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.write(dir.resolve(file), bytes);
        ModelCard.Builder card = ModelCard.builder(name);
        if (format != null) {
            card.engine(PyTorchBackend.ENGINE).format(format);
        }
        maas.publish(ModelPackage.of(card.build(), dir));
    }

    private static float[][] predict(String name) {
        return maas.endpoint(name).predict(new float[][] {{1, 2, 3}}, new MatrixTranslator());
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static void assertServes() {
        float[][] x = ReferenceMath.uniform(new Random(9), 4, 3, 1f);
        assertClose(maas.endpoint("good").predict(x, new MatrixTranslator()), dense.forward(x));
    }
}
