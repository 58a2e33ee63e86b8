package dev.maas.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing compressed DJL parameters and serving them through an endpoint. */
class CompressedBlockBackendTest {
    @TempDir Path root;

    @Test
    void publishedCompressedVersion_servesWhatWasCompressed_andABrokenFileLosesNothing()
            throws Exception {
        try (Model model = Model.newInstance("tiny", "PyTorch");
                NDManager m = model.getNDManager().newSubManager();
                ModelService maas = ModelService.builder().root(root).build()) {
            model.setBlock(TinyMlpFactory.create());
            model.getBlock().initialize(m, DataType.FLOAT32, new Shape(1, 8));
            NDArray x = m.randomNormal(new Shape(5, 8));
            CompressedBlock dense = BlockCompression.dense(model.getBlock());
            CompressedBlock int8 =
                    BlockCompression.quantize(model.getBlock(), Quantization.int8Symmetric(true));
            float[] expected =
                    model.getBlock()
                            .forward(new ParameterStore(m, false), new NDList(x), false)
                            .singletonOrThrow()
                            .toFloatArray();
            ModelCard card =
                    ModelCard.builder("tiny")
                            .task("regression")
                            .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, 8))
                            .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, 1))
                            .property(
                                    CompressedBlockBackend.BLOCK_FACTORY,
                                    TinyMlpFactory.class.getName())
                            .build();
            ModelCard v1 = CompressedModels.publish(maas, card, dense, null);
            ModelCard v2 =
                    CompressedModels.publish(
                            maas, card.toBuilder().derivedFrom(v1.ref()).build(), int8, null);
            assertThat(v2.format()).isEqualTo("djl-compressed");
            assertThat(v2.derivedFrom()).isEqualTo(v1.ref());
            maas.setAlias("tiny", "production", v2.version());
            try (NDManager call = NDManager.newBaseManager()) {
                float[] served =
                        maas.endpoint("tiny@production")
                                .predict(new NDList(call.create(x.toFloatArray(), new Shape(5, 8))))
                                .singletonOrThrow()
                                .toFloatArray();
                assertThat(served).containsExactly(expected);
            }

            // A card without the block factory is refused before anything is written.
            ModelCard noFactory =
                    ModelCard.builder("tiny")
                            .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, 8))
                            .build();
            assertThatThrownBy(() -> CompressedModels.publish(maas, noFactory, int8, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs the property 'blockFactory'");
            assertThat(maas.versions("tiny")).hasSize(2);

            // A version whose parameter file is cut short fails to load with a clear error; the
            // alias stays where it was and keeps serving.
            ModelCard v3 = CompressedModels.publish(maas, card, int8, null);
            Path file =
                    root.resolve("models/tiny/" + v3.version() + "/" + CompressedBlockBackend.FILE);
            file.toFile().setWritable(true);
            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
            assertThatThrownBy(() -> maas.setAlias("tiny", "production", v3.version()))
                    .isInstanceOf(dev.maas.MaasException.class);
            assertThat(maas.aliases("tiny")).containsEntry("production", v2.version());
            try (NDManager call = NDManager.newBaseManager()) {
                assertThat(
                                maas.endpoint("tiny@production")
                                        .predict(new NDList(call.ones(new Shape(1, 8))))
                                        .singletonOrThrow()
                                        .getShape())
                        .isEqualTo(new Shape(1, 1));
            }
            assertThatThrownBy(() -> CompressedBlock.load(file))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("parameters.safetensors has header length")
                    .hasMessageContaining("(truncated?)");
        }
    }
}
