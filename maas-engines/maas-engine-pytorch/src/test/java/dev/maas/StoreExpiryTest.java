package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.testing.MlpModel;
import dev.maas.testing.ReferenceMath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idle expiry driven by a fake ticker: no sleeping, exact order of events. */
class StoreExpiryTest {
    private static final Duration IDLE = Duration.ofMinutes(10);

    @TempDir Path tmp;

    private final AtomicLong nanos = new AtomicLong();
    private final CountingBackend backend = new CountingBackend();
    private final MlpModel mlp = MlpModel.random(StoreFixtures.IN, 16, 3, 31);
    private final String gateName = "expiry-" + UUID.randomUUID();
    private ModelService maas;
    private NDManager manager;

    @BeforeEach
    void open() {
        maas =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .backends(List.of(backend))
                        .expireAfterIdle(IDLE)
                        // Warm-up would run the slow model at load, through its armed gate.
                        .serving(ServingOptions.builder().warmUp(false).build())
                        .ticker(nanos::get)
                        .executor(Runnable::run)
                        .build();
        manager = NDManager.newBaseManager(PyTorchBackend.ENGINE);
        StoreFixtures.publishMlp(maas, tmp, "m", mlp);
    }

    @AfterEach
    void close() {
        SlowBlockFactory.forget(gateName);
        maas.close();
        manager.close();
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        maas.cleanUpStore();
    }

    @Test
    void idleModel_unloadedAfterTheIdleTime_eachUseRestartsTheClock() {
        StoreFixtures.predictAndCheck(maas, "m", mlp, manager, 1);
        advance(IDLE.minusMinutes(1));
        StoreFixtures.predictAndCheck(maas, "m", mlp, manager, 2);
        advance(IDLE.minusMinutes(1));
        assertThat(backend.closes(ModelRef.of("m", 1))).as("used 9 minutes ago").isZero();
        assertThat(maas.storeStats().loaded()).isEqualTo(1);

        advance(Duration.ofMinutes(2));
        assertThat(backend.closes(ModelRef.of("m", 1))).isEqualTo(1);
        StoreStats stats = maas.storeStats();
        assertThat(stats.loaded()).isZero();
        assertThat(stats.evictions()).isEqualTo(1);

        // Used again: loaded again.
        StoreFixtures.predictAndCheck(maas, "m", mlp, manager, 3);
        assertThat(backend.loads(ModelRef.of("m", 1))).isEqualTo(2);
        stats = maas.storeStats();
        assertThat(stats.misses()).isEqualTo(2);
        assertThat(stats.hits()).isEqualTo(1);
        assertThat(stats.loads()).isEqualTo(2);
    }

    @Test
    void expiryDuringALongCall_closesTheModelOnlyWhenTheCallEnds() throws Exception {
        float[][] w = ReferenceMath.uniform(new Random(1), 2, StoreFixtures.IN, 1f);
        float[] b = {0.5f, -0.25f};
        ModelCard slow = StoreFixtures.publishSlow(maas, tmp, "slow", gateName, w, b);
        SlowBlockFactory.Gate gate = SlowBlockFactory.gate(gateName);
        gate.armed = true;
        float[][] x = ReferenceMath.uniform(new Random(2), 2, StoreFixtures.IN, 1f);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<float[]> call =
                    pool.submit(
                            () -> {
                                try (NDManager m = manager.newSubManager()) {
                                    NDArray y =
                                            maas.endpoint("slow")
                                                    .predict(new NDList(m.create(x)))
                                                    .singletonOrThrow();
                                    return y.toFloatArray();
                                }
                            });
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();

            advance(IDLE.plusMinutes(1));
            assertThat(maas.storeStats().loaded()).as("expired from the cache").isZero();
            assertThat(backend.closes(slow.ref())).as("but not closed under the call").isZero();

            gate.open.countDown();
            StoreFixtures.assertClose(
                    ReferenceMath.reshape(call.get(30, TimeUnit.SECONDS), x.length),
                    ReferenceMath.affine(x, ReferenceMath.transpose(w), b));
            assertThat(backend.closes(slow.ref())).isEqualTo(1);
        } finally {
            gate.open.countDown();
            pool.shutdownNow();
        }
    }
}
