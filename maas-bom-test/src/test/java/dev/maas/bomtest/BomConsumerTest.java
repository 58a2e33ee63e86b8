package dev.maas.bomtest;

import static dev.maas.testing.FloatAssertions.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.types.DataType;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.catalog.postgres.PostgresCatalog;
import dev.maas.cli.Main;
import dev.maas.compression.RecommenderCompression;
import dev.maas.engine.onnxruntime.OnnxRuntimeBackend;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.engine.tensorflow.TensorFlowBackend;
import dev.maas.recommend.Recommender;
import dev.maas.spi.EngineBackend;
import dev.maas.testing.DenseModel;
import dev.maas.testing.MatrixTranslator;
import dev.maas.testing.ReferenceMath;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Uses maas the way a project that imports {@code maas-bom} does: every artifact comes with the
 * version the BOM pins, and together they publish and serve models.
 */
class BomConsumerTest {
    private static final int IN = 6;
    private static final int OUT = 3;

    @TempDir Path tmp;

    @Test
    void publishAndServe_onnxAndTorchScript() {
        DenseModel dense = DenseModel.random(IN, OUT, 7);
        Path onnx = tmp.resolve("onnx");
        Path torch = tmp.resolve("torch");
        dense.writeOnnx(onnx.resolve("dense.onnx"));
        dense.writeTorchScript(torch.resolve("dense.pt"));
        float[][] x = ReferenceMath.uniform(new Random(8), 4, IN, 1f);

        try (ModelService maas = ModelService.builder().root(tmp.resolve("repo")).build()) {
            maas.publish(ModelPackage.of(card("dense-onnx", OnnxRuntimeBackend.ENGINE), onnx));
            maas.publish(ModelPackage.of(card("dense-torch", PyTorchBackend.ENGINE), torch));

            for (String name : List.of("dense-onnx", "dense-torch")) {
                float[][] y = maas.endpoint(name).predict(x, new MatrixTranslator());
                assertClose(y, dense.forward(x));
            }
        }
    }

    @Test
    void everyEngineIsDiscovered() {
        List<String> engines =
                ServiceLoader.load(EngineBackend.class).stream()
                        .map(provider -> provider.get().engine())
                        .collect(Collectors.toList());

        assertThat(engines)
                .contains(
                        PyTorchBackend.ENGINE, TensorFlowBackend.ENGINE, OnnxRuntimeBackend.ENGINE);
    }

    static List<Arguments> publishedJars() {
        return List.of(
                Arguments.of(ModelService.class, "dev.maas.core"),
                Arguments.of(PyTorchBackend.class, "dev.maas.engine.pytorch"),
                Arguments.of(TensorFlowBackend.class, "dev.maas.engine.tensorflow"),
                Arguments.of(OnnxRuntimeBackend.class, "dev.maas.engine.onnxruntime"),
                Arguments.of(Recommender.class, "dev.maas.recommend"),
                Arguments.of(dev.maas.spark.RepositoryLocation.class, "dev.maas.spark"),
                Arguments.of(PostgresCatalog.class, "dev.maas.catalog.postgres"),
                Arguments.of(RecommenderCompression.class, "dev.maas.compression"),
                Arguments.of(dev.maas.server.MaasServer.class, "dev.maas.server"),
                Arguments.of(dev.maas.client.MaasClient.class, "dev.maas.client"),
                Arguments.of(Main.class, "dev.maas.cli"));
    }

    @ParameterizedTest
    @MethodSource("publishedJars")
    void publishedJar_namesItsModule(Class<?> type, String moduleName)
            throws IOException, URISyntaxException {
        Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        // Before the package phase (mvn test) the reactor hands out class folders, not jars.
        assumeTrue(Files.isRegularFile(location), "not packaged yet: " + location);

        try (JarFile jar = new JarFile(location.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
                    .as("Automatic-Module-Name of %s", location.getFileName())
                    .isEqualTo(moduleName);
        }
    }

    private static ModelCard card(String name, String engine) {
        return ModelCard.builder(name)
                .engine(engine)
                .inputs(TensorSpec.of(DenseModel.INPUT, DataType.FLOAT32, -1, IN))
                .outputs(TensorSpec.of(DenseModel.OUTPUT, DataType.FLOAT32, -1, OUT))
                .build();
    }
}
