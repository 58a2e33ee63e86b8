package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.testing.MlpModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the store weighs a model by: the bytes of its version's files, as the PyTorch backend
 * reports them. Measured against the bytes the loaded parameters occupy in the engine, to show the
 * file size is a fair estimate of a loaded model's memory.
 */
class StoreWeightTest {
    private static final Logger LOG = LoggerFactory.getLogger(StoreWeightTest.class);

    @TempDir Path tmp;

    @Test
    void weight_isTheVersionFileBytes_andCloseToTheLoadedParameterBytes() throws Exception {
        CountingBackend backend = new CountingBackend();
        Path root = tmp.resolve("repo");
        MlpModel mlp = MlpModel.random(64, 512, 64, 3);
        try (ModelService maas =
                        ModelService.builder().root(root).backends(List.of(backend)).build();
                NDManager manager = NDManager.newBaseManager(PyTorchBackend.ENGINE)) {
            ModelCard card = StoreFixtures.publishMlp(maas, tmp, "wide", mlp);
            StoreFixtures.predictAndCheck(maas, "wide", mlp, manager, 1);

            CountingBackend.CountingModel loaded = backend.loaded.get(0);
            long fileBytes = StoreFixtures.versionBytes(root, card);
            long paramsFile = Files.size(root.resolve("models/wide/1").resolve("wide-0000.params"));
            long parameterBytes = 0;
            for (Pair<String, Parameter> p : loaded.djlModel().getBlock().getParameters()) {
                parameterBytes += p.getValue().getArray().size() * 4L;
            }
            // Plain Java count of the same parameters: two weight matrices and two bias vectors.
            long expectedParameters = (64 * 512 + 512 + 512 * 64 + 64) * 4L;
            LOG.info(
                    "weight: version files {} bytes (params file {}, card {}), loaded parameters"
                            + " {} bytes",
                    fileBytes,
                    paramsFile,
                    fileBytes - paramsFile,
                    parameterBytes);

            assertThat(loaded.sizeBytes()).isEqualTo(fileBytes);
            assertThat(parameterBytes).isEqualTo(expectedParameters);
            // The parameter file is the parameters plus small headers (names, shapes, types).
            assertThat((double) paramsFile / parameterBytes).isCloseTo(1.0, within(0.01));
            assertThat((double) fileBytes / parameterBytes).isCloseTo(1.0, within(0.02));
        }
    }
}
