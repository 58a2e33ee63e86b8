package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.testing.MlpModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent first calls of a cold model share one load of the real PyTorch engine. */
class StoreSingleFlightTest {
    private static final int THREADS = 8;

    @TempDir Path tmp;

    @Test
    void coldModel_eightThreadsAtOnce_causeExactlyOneLoad() throws Exception {
        CountingBackend backend = new CountingBackend();
        MlpModel mlp = MlpModel.random(StoreFixtures.IN, 32, 4, 11);
        try (ModelService maas =
                        ModelService.builder()
                                .root(tmp.resolve("repo"))
                                .backends(List.of(backend))
                                .build();
                NDManager manager = NDManager.newBaseManager(PyTorchBackend.ENGINE)) {
            StoreFixtures.publishMlp(maas, tmp, "cold", mlp);
            // The load does not finish before the 7 other threads have looked the model up and
            // are waiting on it (each lookup of an entry, loading or loaded, counts as a hit), so
            // the threads provably overlap the load.
            CountDownLatch allWaiting = new CountDownLatch(1);
            backend.beforeLoad =
                    () -> {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (maas.storeStats().hits() < THREADS - 1) {
                            if (System.nanoTime() > deadline) {
                                throw new IllegalStateException("threads never arrived");
                            }
                            Thread.onSpinWait();
                        }
                        allWaiting.countDown();
                    };

            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> calls = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long seed = 100 + t;
                    calls.add(
                            pool.submit(
                                    () -> {
                                        start.await();
                                        StoreFixtures.predictAndCheck(
                                                maas, "cold", mlp, manager, seed);
                                        return null;
                                    }));
                }
                start.countDown();
                for (Future<?> f : calls) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            assertThat(allWaiting.getCount()).isZero();
            assertThat(backend.loadCalls).hasValue(1);
            assertThat(backend.maxConcurrentLoads).hasValue(1);
            StoreStats stats = maas.storeStats();
            assertThat(stats.misses()).isEqualTo(1);
            assertThat(stats.hits()).isEqualTo(THREADS - 1);
            assertThat(stats.loads()).isEqualTo(1);
            assertThat(stats.loadFailures()).isZero();
            assertThat(stats.loaded()).isEqualTo(1);
            assertThat(stats.totalLoadTime()).isPositive();
            assertThat(backend.loaded.get(0).isClosed()).isFalse();
        }
        assertThat(backend.loaded.get(0).isClosed()).as("closed with the service").isTrue();
    }
}
