package dev.maas;

import static dev.maas.ServingFixtures.HIDDEN;
import static dev.maas.ServingFixtures.IN;
import static dev.maas.ServingFixtures.OUT;
import static dev.maas.ServingFixtures.close;
import static dev.maas.ServingFixtures.input;
import static dev.maas.ServingFixtures.output;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.maas.testing.MlpModel;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions and traffic on real PyTorch models: hot swaps under load, weighted and sticky splits,
 * shadow traffic and health. Versions 1 and 2 are MLPs with different weights, so every result
 * tells which version computed it.
 */
@Timeout(180)
class TrafficTest {
    @TempDir Path tmp;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MlpModel v1 = MlpModel.random(IN, HIDDEN, OUT, 101);
    private final MlpModel v2 = MlpModel.random(IN, HIDDEN, OUT, 202);
    private ModelService maas;
    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager("PyTorch");
        maas =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .serving(ServingOptions.builder().maxBatchSize(8).workers(2).build())
                        .meterRegistry(registry)
                        .build();
        ServingFixtures.publishMlp(maas, tmp, "m", v1, Map.of());
        ServingFixtures.publishMlp(maas, tmp, "m", v2, Map.of());
        maas.setAlias("m", "prod", 1);
    }

    @AfterEach
    void tearDown() {
        maas.close();
        manager.close();
    }

    /** Returns which version computed {@code y} for {@code x}: 1, 2, or 0 for neither. */
    private int versionOf(float[][] x, float[][] y) {
        boolean one = close(y, v1.forward(x));
        boolean two = close(y, v2.forward(x));
        assertThat(one && two).as("the versions compute different functions").isFalse();
        return one ? 1 : two ? 2 : 0;
    }

    private int call(Endpoint endpoint, long seed, CallOptions options) {
        float[][] x = input(seed, 1);
        try (NDManager m = manager.newSubManager()) {
            return versionOf(x, output(endpoint.predict(new NDList(m.create(x)), options)));
        }
    }

    private boolean loaded(int version) {
        return maas.health().stream().anyMatch(h -> h.ref().equals(ModelRef.of("m", version)));
    }

    @Test
    void aliasMovesUnderLoad_noCallFails_eachResultFromOneVersion_oldVersionClosed()
            throws Exception {
        Endpoint endpoint = maas.endpoint("m@prod");
        // Phase 0: alias on v1; 1: moving to v2; 2: on v2; 3: moving back; 4: on v1 again.
        AtomicInteger phase = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicIntegerArray byPhaseAndVersion = new AtomicIntegerArray(5 * 3);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            workers.add(
                    pool.submit(
                            () -> {
                                long i = 0;
                                while (running.get()) {
                                    int started = phase.get();
                                    try {
                                        int v =
                                                call(
                                                        endpoint,
                                                        thread * 1_000_000L + i++,
                                                        CallOptions.NONE);
                                        byPhaseAndVersion.incrementAndGet(started * 3 + v);
                                    } catch (Throwable e) {
                                        failures.add(e);
                                    }
                                }
                            }));
        }
        try {
            awaitCalls(byPhaseAndVersion, 0, 200);
            phase.set(1);
            maas.setAlias("m", "prod", 2);
            phase.set(2);
            awaitCalls(byPhaseAndVersion, 2, 200);
            ServingFixtures.awaitTrue("v1 is released", Duration.ofSeconds(30), () -> !loaded(1));
            phase.set(3);
            maas.setAlias("m", "prod", 1);
            phase.set(4);
            awaitCalls(byPhaseAndVersion, 4, 200);
        } finally {
            running.set(false);
            for (Future<?> f : workers) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }

        assertThat(failures).isEmpty();
        for (int p = 0; p < 5; p++) {
            assertThat(byPhaseAndVersion.get(p * 3))
                    .as("results of no version, phase %d", p)
                    .isZero();
        }
        // Calls that started after a move returned see only the new version.
        assertThat(byPhaseAndVersion.get(2 * 3 + 1)).as("v1 after moving to v2").isZero();
        assertThat(byPhaseAndVersion.get(4 * 3 + 2)).as("v2 after moving back").isZero();
        assertThat(byPhaseAndVersion.get(0 * 3 + 1)).isPositive();
        assertThat(byPhaseAndVersion.get(2 * 3 + 2)).isPositive();
        assertThat(byPhaseAndVersion.get(4 * 3 + 1)).isPositive();
        // The version moved away from is closed once its last call ended.
        ServingFixtures.awaitTrue("v2 is released", Duration.ofSeconds(30), () -> !loaded(2));
        assertThat(maas.health())
                .singleElement()
                .satisfies(
                        h -> {
                            assertThat(h.ref()).isEqualTo(ModelRef.of("m", 1));
                            assertThat(h.state()).isEqualTo(ModelHealth.State.READY);
                        });
        assertThat(maas.storeStats().loads()).as("v1, v2, v1 again").isEqualTo(3);
    }

    private static void awaitCalls(AtomicIntegerArray counts, int phase, int n) {
        ServingFixtures.awaitTrue(
                n + " calls in phase " + phase,
                Duration.ofSeconds(60),
                () ->
                        counts.get(phase * 3)
                                        + counts.get(phase * 3 + 1)
                                        + counts.get(phase * 3 + 2)
                                >= n);
    }

    @Test
    void canarySplit_followsTheWeights_andKeepsEachKeyOnOneVersion() {
        maas.setTrafficSplit("m", "prod", Map.of(1, 9.0, 2, 1.0));
        assertThat(maas.trafficPolicy("m", "prod").orElseThrow().weights())
                .containsExactly(Map.entry(1, 0.9), Map.entry(2, 0.1));
        Endpoint endpoint = maas.endpoint("m@prod");

        int n = 2000;
        int keyedOnV2 = 0;
        int randomOnV2 = 0;
        for (int i = 0; i < n; i++) {
            keyedOnV2 += call(endpoint, i, CallOptions.ofKey("user-" + i)) == 2 ? 1 : 0;
            randomOnV2 += call(endpoint, i, CallOptions.NONE) == 2 ? 1 : 0;
        }
        // 10% of 2000: standard deviation 13.4 calls; allow 4.5 of them either way.
        assertThat(keyedOnV2).isBetween(140, 260);
        assertThat(randomOnV2).isBetween(140, 260);

        // Sticky: each key sees one version, every time.
        Map<String, Integer> seen = new HashMap<>();
        for (int round = 0; round < 5; round++) {
            for (int u = 0; u < 60; u++) {
                String key = "user-" + u;
                int v = call(endpoint, round * 100L + u, CallOptions.ofKey(key));
                assertThat(seen.merge(key, v, (a, b) -> a)).as(key).isEqualTo(v);
            }
        }
        assertThat(seen.values()).contains(1, 2);

        // Growing the canary moves keys only from v1 to v2, never back.
        maas.setTrafficSplit("m", "prod", Map.of(1, 0.5, 2, 0.5));
        for (Map.Entry<String, Integer> e : seen.entrySet()) {
            if (e.getValue() == 2) {
                assertThat(call(endpoint, 7, CallOptions.ofKey(e.getKey()))).isEqualTo(2);
            }
        }

        // Promotion ends the split and releases v1; rollback is moving the alias back.
        maas.setAlias("m", "prod", 2);
        assertThat(maas.trafficPolicy("m", "prod")).isEmpty();
        for (int i = 0; i < 50; i++) {
            assertThat(call(endpoint, i, CallOptions.ofKey("user-" + i))).isEqualTo(2);
        }
        ServingFixtures.awaitTrue("v1 is released", Duration.ofSeconds(30), () -> !loaded(1));
        maas.setAlias("m", "prod", 1);
        for (int i = 0; i < 50; i++) {
            assertThat(call(endpoint, i, CallOptions.ofKey("user-" + i))).isEqualTo(1);
        }
    }

    @Test
    void trafficSplit_rejectsBadWeightsAndUnknownVersions_leavingRoutingUnchanged() {
        assertThatThrownBy(() -> maas.setTrafficSplit("m", "prod", Map.of(1, -1.0, 2, 2.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weights must be finite and >= 0");
        assertThatThrownBy(() -> maas.setTrafficSplit("m", "prod", Map.of(1, 0.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not all be zero");
        assertThatThrownBy(() -> maas.setTrafficSplit("m", "prod", Map.of(1, 0.5, 7, 0.5)))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("7");
        assertThat(maas.trafficPolicy("m", "prod")).isEmpty();
        assertThat(call(maas.endpoint("m@prod"), 1, CallOptions.NONE)).isEqualTo(1);
        assertThatThrownBy(() -> maas.delete("m", 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("prod");
    }

    @Test
    void shadow_mirrorsCallsToTheCandidate_resultsDiscarded_metricsKept() {
        maas.setShadow("m", "prod", 2);
        Endpoint endpoint = maas.endpoint("m@prod");

        int n = 50;
        for (int i = 0; i < n; i++) {
            assertThat(call(endpoint, i, CallOptions.NONE)).as("callers get v1").isEqualTo(1);
        }
        ServingFixtures.awaitTrue(
                "every call mirrored", Duration.ofSeconds(30), () -> requests(2, "shadow") == n);
        assertThat(requests(1, "primary")).isEqualTo(n);
        assertThat(requests(2, "primary")).isZero();
        assertThat(requests(1, "shadow")).isZero();
        assertThat(
                        registry
                                .get("maas.requests")
                                .tags("model", "m", "version", "2", "traffic", "shadow")
                                .timers()
                                .stream()
                                .mapToLong(Timer::count)
                                .sum())
                .isEqualTo(n);

        // Deleting the candidate is refused while it shadows; after clearing, nothing mirrors.
        assertThatThrownBy(() -> maas.delete("m", 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("m@prod");
        maas.clearShadow("m", "prod");
        for (int i = 0; i < 10; i++) {
            call(endpoint, i, CallOptions.NONE);
        }
        assertThat(requests(2, "shadow")).isEqualTo(n);
        assertThat(maas.trafficPolicy("m", "prod")).isEmpty();
        ServingFixtures.awaitTrue("v2 is released", Duration.ofSeconds(30), () -> !loaded(2));
    }

    private double requests(int version, String traffic) {
        Timer c =
                registry.find("maas.requests")
                        .tags(
                                "model",
                                "m",
                                "version",
                                Integer.toString(version),
                                "outcome",
                                "success",
                                "traffic",
                                traffic)
                        .timer();
        return c == null ? 0 : c.count();
    }

    @Test
    void health_reportsLoadingReadyAndFailedWithTheReason() throws Exception {
        assertThat(maas.health())
                .singleElement()
                .satisfies(h -> assertThat(h.state()).isEqualTo(ModelHealth.State.READY));

        // A slow model: its warm-up keeps it loading while we look.
        String gate = "health-" + System.nanoTime();
        ServingFixtures.publishGuarded(maas, tmp, "slow", v1, Map.of(GuardedMlpFactory.GATE, gate));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> move = pool.submit(() -> maas.setAlias("slow", "prod", 1));
            ServingFixtures.awaitTrue(
                    "slow:1 reported loading",
                    Duration.ofSeconds(30),
                    () ->
                            maas.health().stream()
                                    .anyMatch(
                                            h ->
                                                    h.ref().name().equals("slow")
                                                            && h.state()
                                                                    == ModelHealth.State.LOADING));
            GuardedMlpFactory.gate(gate).countDown();
            move.get(60, TimeUnit.SECONDS);
        } finally {
            GuardedMlpFactory.gate(gate).countDown();
            pool.shutdownNow();
        }
        assertThat(maas.health())
                .filteredOn(h -> h.ref().name().equals("slow"))
                .singleElement()
                .satisfies(h -> assertThat(h.state()).isEqualTo(ModelHealth.State.READY));

        // A model whose block factory is missing fails to load; the others keep serving.
        Path dir = java.nio.file.Files.createTempDirectory(tmp, "broken");
        v1.save(dir, "broken", "PyTorch");
        maas.publish(
                ModelPackage.of(
                        ServingFixtures.mlpCard("broken")
                                .property("blockFactory", "com.example.Missing")
                                .build(),
                        dir));
        assertThatThrownBy(() -> call(maas.endpoint("broken"), 1, CallOptions.NONE))
                .isInstanceOf(MalformedModelException.class);
        assertThat(maas.health())
                .filteredOn(h -> h.ref().name().equals("broken"))
                .singleElement()
                .satisfies(
                        h -> {
                            assertThat(h.state()).isEqualTo(ModelHealth.State.FAILED);
                            assertThat(h.reason()).contains("com.example.Missing");
                        });
        assertThat(call(maas.endpoint("m@prod"), 1, CallOptions.NONE)).isEqualTo(1);
        assertThat(
                        registry.get("maas.model.load")
                                .tags("model", "broken", "outcome", "error")
                                .timer()
                                .count())
                .isEqualTo(1);
    }
}
