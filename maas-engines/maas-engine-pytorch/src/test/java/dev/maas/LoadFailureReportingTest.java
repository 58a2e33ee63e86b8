package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.repository.FileSystemModelRepository;
import dev.maas.testing.FakeTicker;
import dev.maas.testing.MlpModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How failed loads reach callers and {@link ModelService#health()}: one exception for the caller
 * and no stack trace logged on the side, a version deleted during its load reported as not found,
 * and health that reports recent failures without keeping every mistake forever.
 */
class LoadFailureReportingTest {
    @TempDir Path tmp;

    private final CountingBackend backend = new CountingBackend();
    private final MlpModel v1 = MlpModel.random(StoreFixtures.IN, 16, 3, 51);
    private final FakeTicker ticker = new FakeTicker();
    private Path root;
    private ModelService maas;
    private NDManager manager;

    /** Records what the cache library logs (it logs through the JDK's platform logging). */
    private final List<LogRecord> cacheLogs = new CopyOnWriteArrayList<>();

    private final Handler capture =
            new Handler() {
                @Override
                public void publish(LogRecord record) {
                    cacheLogs.add(record);
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };

    private final Logger cacheLogger = Logger.getLogger("com.github.benmanes.caffeine");

    @BeforeEach
    void open() {
        root = tmp.resolve("repo");
        maas = ModelService.builder().root(root).backends(List.of(backend)).ticker(ticker).build();
        manager = NDManager.newBaseManager(PyTorchBackend.ENGINE);
        StoreFixtures.publishMlp(maas, tmp, "m", v1);
        StoreFixtures.publishMlp(maas, tmp, "m", v1);
        cacheLogger.addHandler(capture);
    }

    @AfterEach
    void close() {
        cacheLogger.removeHandler(capture);
        maas.close();
        manager.close();
    }

    private void corrupt(int version) throws IOException {
        Path params = root.resolve("models/m/" + version + "/m-0000.params");
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(params, bytes);
    }

    private ModelHealth healthOf(ModelRef ref) {
        return maas.health().stream().filter(h -> h.ref().equals(ref)).findFirst().orElse(null);
    }

    @Test
    void failedLoad_reachesTheCallerOnce_andLogsNoStackTraceOnTheSide() throws IOException {
        corrupt(2);
        for (int i = 0; i < 3; i++) {
            long seed = i;
            assertThatThrownBy(() -> StoreFixtures.predictAndCheck(maas, "m:2", v1, manager, seed))
                    .isInstanceOf(ChecksumMismatchException.class);
        }
        assertThat(cacheLogs).isEmpty();
        assertThat(maas.storeStats().loadFailures()).isEqualTo(3);
        StoreFixtures.predictAndCheck(maas, "m:1", v1, manager, 9);
    }

    @Test
    void versionThatDoesNotExist_isNoHealthEntry() {
        assertThatThrownBy(() -> maas.setAlias("m", "production", 99))
                .isInstanceOf(ModelNotFoundException.class);
        assertThatThrownBy(() -> maas.endpoint("m:77").predict(new ai.djl.ndarray.NDList()))
                .isInstanceOf(ModelNotFoundException.class);
        assertThat(maas.health()).isEmpty();
    }

    @Test
    void failure_clearedWhenTheVersionLoads_orIsDeleted() throws IOException {
        Path params = root.resolve("models/m/2/m-0000.params");
        byte[] good = Files.readAllBytes(params);
        corrupt(2);
        assertThatThrownBy(() -> maas.setAlias("m", "production", 2))
                .isInstanceOf(ChecksumMismatchException.class);
        assertThat(healthOf(ModelRef.of("m", 2)).state()).isEqualTo(ModelHealth.State.FAILED);
        assertThat(healthOf(ModelRef.of("m", 2)).reason()).contains("checksum mismatch");

        // Repaired: the next load succeeds and the failure is gone.
        Files.write(params, good);
        maas.setAlias("m", "production", 2);
        assertThat(healthOf(ModelRef.of("m", 2)).state()).isEqualTo(ModelHealth.State.READY);

        // A failure of a version that is then deleted is forgotten with it, through this
        // service or by another process.
        corrupt(1);
        assertThatThrownBy(() -> StoreFixtures.predictAndCheck(maas, "m:1", v1, manager, 1))
                .isInstanceOf(ChecksumMismatchException.class);
        assertThat(healthOf(ModelRef.of("m", 1)).state()).isEqualTo(ModelHealth.State.FAILED);
        new FileSystemModelRepository(root).delete("m", 1);
        assertThat(healthOf(ModelRef.of("m", 1))).isNull();
        assertThat(maas.health()).extracting(ModelHealth::ref).containsExactly(ModelRef.of("m", 2));
    }

    @Test
    void failures_expireAfterAQuarterOfAnHour_andAreBounded() throws IOException {
        corrupt(1);
        corrupt(2);
        assertThatThrownBy(() -> StoreFixtures.predictAndCheck(maas, "m:1", v1, manager, 1))
                .isInstanceOf(ChecksumMismatchException.class);
        ticker.advance(Duration.ofMinutes(10));
        assertThatThrownBy(() -> StoreFixtures.predictAndCheck(maas, "m:2", v1, manager, 1))
                .isInstanceOf(ChecksumMismatchException.class);
        assertThat(maas.health()).hasSize(2);

        ticker.advance(Duration.ofMinutes(6));
        assertThat(maas.health()).extracting(ModelHealth::ref).containsExactly(ModelRef.of("m", 2));
        ticker.advance(Duration.ofMinutes(10));
        assertThat(maas.health()).isEmpty();

        // More failing versions than the bound: only the newest are kept.
        int versions = 70;
        for (int i = 0; i < versions; i++) {
            ModelCard c = StoreFixtures.publishMlp(maas, tmp, "w", v1);
            Files.write(root.resolve("models/w/" + c.version() + "/w-0000.params"), new byte[8]);
        }
        for (int v = 1; v <= versions; v++) {
            String ref = "w:" + v;
            assertThatThrownBy(() -> StoreFixtures.predictAndCheck(maas, ref, v1, manager, 1))
                    .isInstanceOf(ChecksumMismatchException.class);
            ticker.advance(Duration.ofMillis(1));
        }
        List<ModelHealth> health = maas.health();
        assertThat(health).hasSize(64);
        assertThat(health.get(0).ref()).isEqualTo(ModelRef.of("w", versions - 63));
        assertThat(health.get(63).ref()).isEqualTo(ModelRef.of("w", versions));
    }

    @Test
    void versionDeletedWhileItLoads_isNotFound_notAnEngineError() {
        FileSystemModelRepository other = new FileSystemModelRepository(root);
        // Another process deletes the version after its files were verified, before the engine
        // reads them.
        backend.beforeLoad = () -> other.delete("m", 2);

        assertThatThrownBy(() -> StoreFixtures.predictAndCheck(maas, "m:2", v1, manager, 1))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("m:2 was deleted while it was being loaded")
                .hasCauseInstanceOf(MaasException.class);
        assertThat(maas.health()).isEmpty();
        backend.beforeLoad = () -> {};
        StoreFixtures.predictAndCheck(maas, "m:1", v1, manager, 2);
    }
}
