package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.testing.MlpModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loads that fail leave nothing cached, say why, and do not disturb the versions that work. */
class StoreFailedLoadTest {
    @TempDir Path tmp;

    private final CountingBackend backend = new CountingBackend();
    private final MlpModel v1 = MlpModel.random(StoreFixtures.IN, 16, 3, 41);
    private final MlpModel v2 = MlpModel.random(StoreFixtures.IN, 16, 3, 42);
    private Path root;
    private ModelService maas;
    private NDManager manager;

    @BeforeEach
    void open() {
        root = tmp.resolve("repo");
        maas = ModelService.builder().root(root).backends(List.of(backend)).build();
        manager = NDManager.newBaseManager(PyTorchBackend.ENGINE);
        StoreFixtures.publishMlp(maas, tmp, "m", v1);
        StoreFixtures.publishMlp(maas, tmp, "m", v2);
        maas.setAlias("m", "production", 1);
    }

    @AfterEach
    void close() {
        maas.close();
        manager.close();
    }

    private Path params(int version) {
        return root.resolve("models/m/" + version + "/m-0000.params");
    }

    @Test
    void corruptedArtifact_checksumErrorNamingTheFile_nothingCached_v1KeepsServing()
            throws IOException {
        byte[] bytes = Files.readAllBytes(params(2));
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(params(2), bytes);
        int engineLoads = backend.loadCalls.get();

        for (int attempt = 1; attempt <= 2; attempt++) {
            assertThatThrownBy(() -> StoreFixtures.predictAndCheck(maas, "m:2", v2, manager, 1))
                    .isInstanceOf(ChecksumMismatchException.class)
                    .hasMessageContaining("m:2")
                    .hasMessageContaining("m-0000.params")
                    .hasMessageContaining("expected SHA-256")
                    .hasMessageContaining("found");
            // Nothing cached: the next call tries again (and fails again), the engine never ran.
            assertThat(maas.storeStats().loadFailures()).isEqualTo(attempt);
        }
        assertThat(backend.loadCalls.get()).isEqualTo(engineLoads);

        StoreFixtures.predictAndCheck(maas, "m@production", v1, manager, 2);
        StoreFixtures.predictAndCheck(maas, "m:1", v1, manager, 3);
        StoreStats stats = maas.storeStats();
        assertThat(stats.loaded()).isEqualTo(1);
        assertThat(stats.loads()).isEqualTo(1); // v1, during setAlias
        assertThat(stats.misses()).isEqualTo(3); // v1 once, v2 twice
        assertThat(stats.hits()).isEqualTo(2);
        // Moving the alias to the broken version is refused; production stays on v1.
        assertThatThrownBy(() -> maas.setAlias("m", "production", 2))
                .isInstanceOf(ChecksumMismatchException.class);
        assertThat(maas.aliases("m")).isEqualTo(Map.of("production", 1));
    }

    @Test
    void artifactTheEngineCannotRead_malformedModelFromTheEngine_nothingCached()
            throws IOException {
        // Published with a valid checksum, but not a parameter file: the engine rejects it.
        Path dir = Files.createDirectories(tmp.resolve("garbage"));
        Files.write(dir.resolve("m-0000.params"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        ModelCard broken =
                maas.publish(
                        ModelPackage.of(
                                maas.resolve(ModelRef.of("m", 1)).toBuilder()
                                        .version(0)
                                        .createdAt(null)
                                        .build(),
                                dir));
        int engineLoads = backend.loadCalls.get();

        assertThatThrownBy(
                        () ->
                                StoreFixtures.predictAndCheck(
                                        maas, broken.ref().toString(), v1, manager, 1))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("m:3")
                .hasMessageContaining("m-0000.params");
        assertThat(backend.loadCalls.get()).isEqualTo(engineLoads + 1);
        assertThat(backend.loads(broken.ref())).as("no model came back").isZero();
        assertThat(maas.storeStats().loadFailures()).isEqualTo(1);
        assertThat(maas.storeStats().loaded()).isEqualTo(1);

        // The latest version is broken, but pinned versions and the alias keep serving.
        StoreFixtures.predictAndCheck(maas, "m@production", v1, manager, 2);
        StoreFixtures.predictAndCheck(maas, "m:2", v2, manager, 3);
        assertThat(maas.storeStats().loaded()).isEqualTo(2);
    }
}
