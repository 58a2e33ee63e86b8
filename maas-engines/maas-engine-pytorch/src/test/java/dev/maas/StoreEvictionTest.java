package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.testing.MlpModel;
import dev.maas.testing.ReferenceMath;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weight bound with real PyTorch models: a third model evicts the least recently used one,
 * which closes only after the call running on it has finished. Loads and cache maintenance run on
 * the calling thread ({@code executor(Runnable::run)}), so the order of events is exact.
 */
class StoreEvictionTest {
    @TempDir Path tmp;

    private final CountingBackend backend = new CountingBackend();
    private final String gateName = "eviction-" + UUID.randomUUID();
    private final MlpModel mlpA = MlpModel.random(StoreFixtures.IN, 32, 4, 1);
    private final MlpModel mlpB = MlpModel.random(StoreFixtures.IN, 32, 4, 2);
    private final float[][] slowW = ReferenceMath.uniform(new Random(3), 4, StoreFixtures.IN, 1f);
    private final float[] slowB = ReferenceMath.uniform(new Random(4), 1, 4, 1f)[0];
    private NDManager manager;
    private ModelService maas;
    private ModelCard slow;
    private ModelCard a;
    private ModelCard b;

    @BeforeEach
    void publish() {
        Path root = tmp.resolve("repo");
        // Publish through a service of unbounded cache, to size the versions.
        try (ModelService publisher =
                ModelService.builder().root(root).backends(List.of(backend)).build()) {
            slow = StoreFixtures.publishSlow(publisher, tmp, "slow", gateName, slowW, slowB);
            a = StoreFixtures.publishMlp(publisher, tmp, "a", mlpA);
            b = StoreFixtures.publishMlp(publisher, tmp, "b", mlpB);
        }
        long[] sizes = {
            StoreFixtures.versionBytes(root, slow),
            StoreFixtures.versionBytes(root, a),
            StoreFixtures.versionBytes(root, b)
        };
        java.util.Arrays.sort(sizes);
        // Any two fit, the three do not.
        long bound = sizes[1] + sizes[2] + sizes[0] / 2;
        maas =
                ModelService.builder()
                        .root(root)
                        .backends(List.of(backend))
                        .maxCacheBytes(bound)
                        .executor(Runnable::run)
                        .build();
        manager = NDManager.newBaseManager(PyTorchBackend.ENGINE);
    }

    @AfterEach
    void close() {
        SlowBlockFactory.forget(gateName);
        maas.close();
        manager.close();
    }

    /** Calls the slow model on {@code x} and returns its output; checked by the caller. */
    private float[][] callSlow(float[][] x) {
        try (NDManager call = manager.newSubManager()) {
            NDArray y =
                    maas.endpoint("slow").predict(new NDList(call.create(x))).singletonOrThrow();
            return ReferenceMath.reshape(y.toFloatArray(), x.length);
        }
    }

    private float[][] slowReference(float[][] x) {
        return ReferenceMath.affine(x, ReferenceMath.transpose(slowW), slowB);
    }

    @Test
    void thirdModel_evictsTheLeastRecentlyUsed_closedOnlyAfterItsRunningCall() throws Exception {
        float[][] x = ReferenceMath.uniform(new Random(5), 2, StoreFixtures.IN, 1f);
        StoreFixtures.assertClose(callSlow(x), slowReference(x)); // load slow
        StoreFixtures.predictAndCheck(maas, "a", mlpA, manager, 6); // load a

        // Hold a call inside the slow model.
        SlowBlockFactory.Gate gate = SlowBlockFactory.gate(gateName);
        gate.armed = true;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            float[][] x2 = ReferenceMath.uniform(new Random(7), 3, StoreFixtures.IN, 1f);
            Future<float[][]> inFlight = pool.submit(() -> callSlow(x2));
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();

            // a is used after slow's call began, so slow is the least recently used; loading b
            // must evict it although a call is running on it.
            StoreFixtures.predictAndCheck(maas, "a", mlpA, manager, 8);
            StoreFixtures.predictAndCheck(maas, "b", mlpB, manager, 9); // load b, evict slow

            assertThat(maas.storeStats().evictions()).isEqualTo(1);
            assertThat(maas.storeStats().loaded()).isEqualTo(2);
            assertThat(backend.closes(slow.ref())).as("closed under a running call").isZero();
            assertThat(backend.events).containsExactly("load slow:1", "load a:1", "load b:1");

            gate.open.countDown();
            StoreFixtures.assertClose(inFlight.get(30, TimeUnit.SECONDS), slowReference(x2));
            // The running call held the last reference: releasing it closed the model, on the
            // thread of that call.
            assertThat(backend.closes(slow.ref())).isEqualTo(1);
            assertThat(backend.loaded.get(0).closedOn).hasSize(1);
            assertThat(backend.loaded.get(0).closedOn.iterator().next())
                    .isNotEqualTo(Thread.currentThread());
            assertThat(backend.events)
                    .containsExactly("load slow:1", "load a:1", "load b:1", "close slow:1");
        } finally {
            gate.open.countDown();
            pool.shutdownNow();
        }

        // The evicted model loads again on demand (a new load), evicting a, now the least
        // recently used; with no call on a, it closes at once.
        gate.armed = false;
        StoreFixtures.assertClose(callSlow(x), slowReference(x));
        assertThat(backend.loads(slow.ref())).isEqualTo(2);
        assertThat(backend.closes(a.ref())).isEqualTo(1);
        assertThat(backend.closes(b.ref())).isZero();

        // Every lookup is counted: slow, a, (slow in flight), a, b, slow = 6 lookups; 4 loads.
        StoreStats stats = maas.storeStats();
        assertThat(stats.misses()).isEqualTo(4);
        assertThat(stats.hits()).isEqualTo(2);
        assertThat(stats.loads()).isEqualTo(4);
        assertThat(stats.loadFailures()).isZero();
        assertThat(stats.evictions()).isEqualTo(2);
        assertThat(stats.loaded()).isEqualTo(2);
        assertThat(backend.loadCalls).hasValue(4);
    }

    @Test
    void recentUseProtectsAModel_theIdleOneIsEvicted() {
        StoreFixtures.predictAndCheck(maas, "a", mlpA, manager, 1);
        StoreFixtures.predictAndCheck(maas, "b", mlpB, manager, 2);
        StoreFixtures.predictAndCheck(maas, "a", mlpA, manager, 3); // a is now the most recent
        float[][] x = ReferenceMath.uniform(new Random(4), 1, StoreFixtures.IN, 1f);
        StoreFixtures.assertClose(callSlow(x), slowReference(x)); // evicts b

        assertThat(backend.closes(b.ref())).isEqualTo(1);
        assertThat(backend.closes(a.ref())).isZero();
        // a is still loaded: calling it is a hit, not a load.
        StoreFixtures.predictAndCheck(maas, "a", mlpA, manager, 5);
        assertThat(backend.loads(a.ref())).isEqualTo(1);
        StoreStats stats = maas.storeStats();
        assertThat(stats.misses()).isEqualTo(3);
        assertThat(stats.hits()).isEqualTo(2);
        assertThat(stats.evictions()).isEqualTo(1);
    }

    @Test
    void modelHeavierThanTheWholeCache_refusedWithTheBoundToRaise_othersKeepServing() {
        Path root = tmp.resolve("repo");
        long oneModel = StoreFixtures.versionBytes(root, a);
        try (ModelService tiny =
                ModelService.builder()
                        .root(root)
                        .backends(List.of(backend))
                        .maxCacheBytes(oneModel)
                        .executor(Runnable::run)
                        .build()) {
            MlpModel big = MlpModel.random(StoreFixtures.IN, 256, 4, 9);
            StoreFixtures.publishMlp(tiny, tmp, "big", big);
            int loadsBefore = backend.loadCalls.get();
            assertThatThrownBy(() -> StoreFixtures.predictAndCheck(tiny, "big", big, manager, 1))
                    .isInstanceOf(MaasException.class)
                    .hasMessageContaining("big:1")
                    .hasMessageContaining("more than the whole model cache (" + oneModel)
                    .hasMessageContaining("maxCacheBytes");
            assertThat(backend.loadCalls.get()).isEqualTo(loadsBefore + 1);
            assertThat(backend.closes(ModelRef.of("big", 1)))
                    .as("loaded, then closed")
                    .isEqualTo(1);
            assertThat(tiny.storeStats().loadFailures()).isEqualTo(1);
            assertThat(tiny.storeStats().loaded()).isZero();
            // A model that fits still serves.
            StoreFixtures.predictAndCheck(tiny, "a", mlpA, manager, 2);
            assertThat(tiny.storeStats().loaded()).isEqualTo(1);
        }
    }
}
