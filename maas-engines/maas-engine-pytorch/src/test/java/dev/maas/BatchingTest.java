package dev.maas;

import static dev.maas.ServingFixtures.HIDDEN;
import static dev.maas.ServingFixtures.IN;
import static dev.maas.ServingFixtures.OUT;
import static dev.maas.ServingFixtures.assertClose;
import static dev.maas.ServingFixtures.input;
import static dev.maas.ServingFixtures.output;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.maas.testing.FakeTicker;
import dev.maas.testing.MlpModel;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic batching on a real PyTorch MLP: batches form up to the maximum size at once, a partial
 * batch waits exactly the configured delay (on a fake clock), and every caller gets its own rows.
 */
@Timeout(120)
class BatchingTest {
    @TempDir Path tmp;

    private final FakeTicker ticker = new FakeTicker();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MlpModel mlp = MlpModel.random(IN, HIDDEN, OUT, 11);
    private ModelService maas;
    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void tearDown() {
        if (maas != null) {
            maas.close();
        }
        manager.close();
    }

    private ModelService service(ServingOptions serving, boolean fakeClock) {
        ModelService.Builder b =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .serving(serving)
                        .meterRegistry(registry);
        if (fakeClock) {
            b.ticker(ticker);
        }
        maas = b.build();
        return maas;
    }

    private DistributionSummary batchSizes() {
        return registry.get("maas.batch.size").tag("model", "m").summary();
    }

    @Test
    void fullBatchesRunAtOnce_partialBatchWaitsExactlyTheDelay() {
        service(
                ServingOptions.builder()
                        .maxBatchSize(4)
                        .maxBatchDelay(Duration.ofMillis(10))
                        .workers(1)
                        .warmUp(false)
                        .build(),
                true);
        ServingFixtures.publishMlp(maas, tmp, "m", mlp, Map.of());
        Endpoint endpoint = maas.endpoint("m");

        List<float[][]> inputs = new ArrayList<>();
        List<CompletableFuture<NDList>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            float[][] x = input(100 + i, 1);
            inputs.add(x);
            futures.add(endpoint.predictAsync(new NDList(manager.create(x))));
        }

        // Two full batches need no time to pass; the clock has not moved.
        for (int i = 0; i < 8; i++) {
            assertClose(output(futures.get(i).join()), mlp.forward(inputs.get(i)));
        }
        ticker.advance(Duration.ofMillis(10).minusNanos(1));
        wakeUp();
        assertThat(futures.get(8)).isNotDone();
        assertThat(futures.get(9)).isNotDone();

        ticker.advance(Duration.ofNanos(1));
        wakeUp();
        for (int i = 8; i < 10; i++) {
            assertClose(output(futures.get(i).join()), mlp.forward(inputs.get(i)));
        }

        DistributionSummary sizes = batchSizes();
        assertThat(sizes.count()).isEqualTo(3);
        assertThat(sizes.totalAmount()).isEqualTo(10);
        assertThat(sizes.max()).isEqualTo(4);
        // Eight calls waited no (fake) time at all, the last two exactly the delay.
        Timer queue = registry.get("maas.queue.wait").tag("model", "m").timer();
        assertThat(queue.count()).isEqualTo(10);
        assertThat(queue.totalTime(TimeUnit.NANOSECONDS))
                .isEqualTo(2 * Duration.ofMillis(10).toNanos());
    }

    @Test
    void concurrentCallers_eachGetTheirOwnRows() throws Exception {
        service(
                ServingOptions.builder()
                        .maxBatchSize(16)
                        .maxBatchDelay(Duration.ofMillis(2))
                        .workers(2)
                        .build(),
                false);
        ServingFixtures.publishMlp(maas, tmp, "m", mlp, Map.of());
        Endpoint endpoint = maas.endpoint("m");
        int threads = 16;
        int calls = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(
                        pool.submit(
                                () -> {
                                    int ok = 0;
                                    for (int i = 0; i < calls; i++) {
                                        // Distinct inputs of 1 to 3 rows per caller and call.
                                        float[][] x =
                                                input(thread * 1000L + i, 1 + (i + thread) % 3);
                                        try (NDManager call = manager.newSubManager()) {
                                            NDList out =
                                                    endpoint.predict(new NDList(call.create(x)));
                                            assertClose(output(out), mlp.forward(x));
                                            ok++;
                                        }
                                    }
                                    return ok;
                                }));
            }
            for (Future<Integer> f : done) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(calls);
            }
        } finally {
            pool.shutdownNow();
        }
        // Calls shared batches: fewer model runs than calls.
        assertThat(batchSizes().count()).isLessThan((long) threads * calls);
        assertThat(batchSizes().max()).isGreaterThan(3);
    }

    @Test
    void modelMarkedNotBatchable_runsCallsOneByOne() {
        service(
                ServingOptions.builder()
                        .maxBatchSize(8)
                        .maxBatchDelay(Duration.ofHours(1))
                        .workers(1)
                        .warmUp(false)
                        .build(),
                true);
        ServingFixtures.publishMlp(maas, tmp, "m", mlp, Map.of(ServingOptions.BATCHING, "false"));
        Endpoint endpoint = maas.endpoint("m");

        List<float[][]> inputs = new ArrayList<>();
        List<CompletableFuture<NDList>> futures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            float[][] x = input(200 + i, 2);
            inputs.add(x);
            futures.add(endpoint.predictAsync(new NDList(manager.create(x))));
        }
        // No batch delay applies: each call runs alone, without the clock moving.
        for (int i = 0; i < 5; i++) {
            assertClose(output(futures.get(i).join()), mlp.forward(inputs.get(i)));
        }
        // Without a batch dimension each run counts as one.
        assertThat(batchSizes().count()).isEqualTo(5);
        assertThat(batchSizes().totalAmount()).isEqualTo(5);
    }

    @Test
    void callLargerThanMaxBatchSize_runsAlone() {
        service(ServingOptions.builder().maxBatchSize(4).workers(1).warmUp(false).build(), false);
        ServingFixtures.publishMlp(maas, tmp, "m", mlp, Map.of());
        float[][] x = input(300, 10);

        NDList out = maas.endpoint("m").predict(new NDList(manager.create(x)));

        assertClose(output(out), mlp.forward(x));
        assertThat(batchSizes().max()).isEqualTo(10);
    }

    @Test
    void warmUp_runsEveryBatchSizeOnEveryWorkerBeforeTheModelIsReady() {
        service(ServingOptions.builder().maxBatchSize(8).workers(2).build(), false);
        String counter = "warm-" + System.nanoTime();
        ServingFixtures.publishGuarded(
                maas, tmp, "m", mlp, Map.of(GuardedMlpFactory.COUNTER, counter));

        maas.setAlias("m", "prod", 1); // loads and warms up before returning

        // Batch sizes 1, 2, 4 and 8 on each of the two workers.
        assertThat(GuardedMlpFactory.forwards(counter).get()).isEqualTo(8);
        assertThat(GuardedMlpFactory.rows(counter).get()).isEqualTo(2 * (1 + 2 + 4 + 8));
        assertThat(batchSizes().count()).isZero(); // warm-up is not counted

        float[][] x = input(400, 3);
        NDList out = maas.endpoint("m@prod").predict(new NDList(manager.create(x)));
        assertClose(output(out), mlp.forward(x));
        assertThat(GuardedMlpFactory.forwards(counter).get()).isEqualTo(9);
        assertThat(batchSizes().count()).isEqualTo(1);
    }

    private void wakeUp() {
        ServingFixtures.withRuntime(maas, ModelRef.of("m", 1), ModelRuntime::wakeUp);
    }
}
