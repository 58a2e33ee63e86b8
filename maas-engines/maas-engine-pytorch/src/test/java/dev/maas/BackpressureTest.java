package dev.maas;

import static dev.maas.ServingFixtures.HIDDEN;
import static dev.maas.ServingFixtures.IN;
import static dev.maas.ServingFixtures.OUT;
import static dev.maas.ServingFixtures.assertClose;
import static dev.maas.ServingFixtures.input;
import static dev.maas.ServingFixtures.output;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.maas.testing.FakeTicker;
import dev.maas.testing.MlpModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded queues, deadlines and engine failures on a real PyTorch model: overload is rejected at
 * once, expired calls are skipped, a bad input fails alone, and the endpoint keeps serving.
 */
@Timeout(120)
class BackpressureTest {
    @TempDir Path tmp;

    private final FakeTicker ticker = new FakeTicker();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MlpModel mlp = MlpModel.random(IN, HIDDEN, OUT, 21);
    private final String name = "bp-" + System.nanoTime();
    private ModelService maas;
    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void tearDown() {
        GuardedMlpFactory.gate(name).countDown();
        if (maas != null) {
            maas.close();
        }
        manager.close();
    }

    private void service(ServingOptions serving, boolean fakeClock) {
        ModelService.Builder b =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .serving(serving)
                        .meterRegistry(registry);
        if (fakeClock) {
            b.ticker(ticker);
        }
        maas = b.build();
    }

    private double requests(String outcome) {
        var c =
                registry.find("maas.requests")
                        .tags("model", "m", "outcome", outcome, "traffic", "primary")
                        .timer();
        return c == null ? 0 : c.count();
    }

    private void wakeUp() {
        ServingFixtures.withRuntime(maas, ModelRef.of("m", 1), ModelRuntime::wakeUp);
    }

    private NDList in(float[][] x) {
        return new NDList(manager.create(x));
    }

    @Test
    void fullQueue_rejectsAtOnceWithOverloaded_acceptedCallsAllComplete() {
        // The batch waits an hour of fake time, so accepted calls stay queued: no race.
        service(
                ServingOptions.builder()
                        .queueCapacity(5)
                        .maxBatchSize(100)
                        .maxBatchDelay(Duration.ofHours(1))
                        .workers(1)
                        .warmUp(false)
                        .build(),
                true);
        ServingFixtures.publishMlp(maas, tmp, "m", mlp, Map.of());
        maas.setAlias("m", "prod", 1);
        Endpoint endpoint = maas.endpoint("m@prod");

        List<float[][]> inputs = new ArrayList<>();
        List<CompletableFuture<NDList>> accepted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inputs.add(input(i, 1));
            accepted.add(endpoint.predictAsync(in(inputs.get(i))));
        }
        CompletableFuture<NDList> rejected = endpoint.predictAsync(in(input(99, 1)));

        assertThat(rejected).isCompletedExceptionally();
        assertThatThrownBy(rejected::join)
                .hasCauseInstanceOf(OverloadedException.class)
                .cause()
                .hasMessageContaining("m@prod")
                .hasMessageContaining("m:1")
                .hasMessageContaining("capacity of 5 calls");
        assertThatThrownBy(() -> endpoint.predict(in(input(98, 1))))
                .isInstanceOf(OverloadedException.class)
                .hasMessageContaining("capacity of 5 calls");
        assertThat(accepted).noneMatch(CompletableFuture::isDone);
        assertThat(registry.get("maas.queue.depth").tag("model", "m").gauge().value()).isEqualTo(5);

        ticker.advance(Duration.ofHours(1));
        wakeUp();
        for (int i = 0; i < 5; i++) {
            assertClose(output(accepted.get(i).join()), mlp.forward(inputs.get(i)));
        }
        assertThat(requests("overloaded")).isEqualTo(2);
        assertThat(requests("success")).isEqualTo(5);

        // Still serving: the queue has room again.
        CompletableFuture<NDList> next = endpoint.predictAsync(in(inputs.get(0)));
        ticker.advance(Duration.ofHours(1));
        wakeUp();
        assertClose(output(next.join()), mlp.forward(inputs.get(0)));
    }

    @Test
    void flood_excessFailsWithOverloaded_acceptedCallsAllCorrect_queueStaysBounded()
            throws Exception {
        int capacity = 8;
        service(
                ServingOptions.builder()
                        .queueCapacity(capacity)
                        .maxBatchSize(4)
                        .workers(1)
                        .warmUp(false)
                        .build(),
                false);
        // A slow model (2 ms per batch) so that 16 callers outrun it.
        ServingFixtures.publishGuarded(
                maas, tmp, "m", mlp, Map.of(GuardedMlpFactory.SLEEP_MILLIS, "2"));
        Endpoint endpoint = maas.endpoint("m");
        endpoint.predict(in(input(0, 1))); // load

        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger deepest = new AtomicInteger();
        Thread sampler =
                new Thread(
                        () -> {
                            while (flooding.get()) {
                                var g = registry.find("maas.queue.depth").gauge();
                                if (g != null) {
                                    deepest.accumulateAndGet((int) g.value(), Math::max);
                                }
                                Thread.onSpinWait();
                            }
                        });
        sampler.start();
        int threads = 16;
        int calls = 60;
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger overloaded = new AtomicInteger();
        List<Throwable> other = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < calls; i++) {
                                        float[][] x = input(thread * 1000L + i, 1);
                                        try (NDManager call = manager.newSubManager()) {
                                            NDList out =
                                                    endpoint.predict(new NDList(call.create(x)));
                                            if (ServingFixtures.close(
                                                    output(out), mlp.forward(x))) {
                                                ok.incrementAndGet();
                                            } else {
                                                other.add(new AssertionError("wrong result"));
                                            }
                                        } catch (OverloadedException e) {
                                            overloaded.incrementAndGet();
                                        } catch (Throwable e) {
                                            other.add(e);
                                        }
                                    }
                                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            flooding.set(false);
            sampler.join();
            pool.shutdownNow();
        }
        assertThat(other).isEmpty();
        assertThat(ok.get() + overloaded.get()).isEqualTo(threads * calls);
        assertThat(overloaded.get()).isPositive();
        assertThat(ok.get()).isPositive();
        assertThat(deepest.get()).isLessThanOrEqualTo(capacity);
        assertThat(requests("overloaded")).isEqualTo(overloaded.get());
        assertThat(requests("success")).isEqualTo(ok.get() + 1);
    }

    @Test
    void badInputInABatch_failsAloneWithTheEngineCause_othersComplete_endpointKeepsServing() {
        String counter = name + "-count";
        service(
                ServingOptions.builder()
                        .maxBatchSize(4)
                        .maxBatchDelay(Duration.ofHours(1))
                        .workers(1)
                        .warmUp(false)
                        .build(),
                true);
        ServingFixtures.publishGuarded(
                maas,
                tmp,
                "m",
                mlp,
                Map.of(GuardedMlpFactory.REJECT_AT, "1000", GuardedMlpFactory.COUNTER, counter));
        Endpoint endpoint = maas.endpoint("m");

        List<float[][]> inputs = new ArrayList<>();
        List<CompletableFuture<NDList>> futures = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            float[][] x = input(500 + i, 1);
            if (i == 2) {
                x[0][3] = 5000f;
            }
            inputs.add(x);
            futures.add(endpoint.predictAsync(in(x)));
        }

        // A full batch: it runs at once, fails, and is retried call by call.
        assertThatThrownBy(() -> futures.get(2).join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isExactlyInstanceOf(MaasException.class)
                .hasMessageContaining("model m:1 failed on this input")
                .hasMessageContaining("guard: input holds a value >= 1000.0")
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        for (int i : new int[] {0, 1, 3}) {
            assertClose(output(futures.get(i).join()), mlp.forward(inputs.get(i)));
        }
        assertThat(GuardedMlpFactory.forwards(counter).get()).isEqualTo(1 + 4);
        var sizes = registry.get("maas.batch.size").tag("model", "m").summary();
        assertThat(sizes.count()).isEqualTo(5);
        assertThat(sizes.max()).isEqualTo(4);
        assertThat(requests("error")).isEqualTo(1);
        assertThat(requests("success")).isEqualTo(3);

        // The next batch of good inputs is served as a batch.
        List<CompletableFuture<NDList>> next = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            next.add(endpoint.predictAsync(in(inputs.get(0))));
        }
        for (CompletableFuture<NDList> f : next) {
            assertClose(output(f.join()), mlp.forward(inputs.get(0)));
        }
        assertThat(GuardedMlpFactory.forwards(counter).get()).isEqualTo(1 + 4 + 1);

        // A bad input on its own fails the same way.
        float[][] bad = input(600, 2);
        bad[1][0] = 1e6f;
        CompletableFuture<NDList> alone = endpoint.predictAsync(in(bad));
        ticker.advance(Duration.ofHours(1));
        wakeUp();
        assertThatThrownBy(alone::join)
                .cause()
                .isExactlyInstanceOf(MaasException.class)
                .hasMessageContaining("guard: input holds a value >= 1000.0");
    }

    @Test
    void queuedCallPastItsDeadline_isSkippedAndNeverRuns() {
        String counter = name + "-count";
        service(
                ServingOptions.builder()
                        .maxBatchSize(8)
                        .maxBatchDelay(Duration.ofHours(1))
                        .workers(1)
                        .warmUp(false)
                        .build(),
                true);
        ServingFixtures.publishGuarded(
                maas, tmp, "m", mlp, Map.of(GuardedMlpFactory.COUNTER, counter));
        Endpoint endpoint = maas.endpoint("m");

        CompletableFuture<NDList> late =
                endpoint.predictAsync(
                        in(input(1, 1)), CallOptions.ofDeadline(Duration.ofMinutes(10)));
        ticker.advance(Duration.ofMinutes(11));
        wakeUp();

        assertThatThrownBy(late::join)
                .cause()
                .isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("model m:1")
                .hasMessageContaining("deadline of 600000.0 ms")
                .hasMessageContaining("while queued; it was skipped and never ran");
        assertThat(GuardedMlpFactory.forwards(counter).get()).isZero();
        assertThat(requests("deadline_exceeded")).isEqualTo(1);

        float[][] x = input(2, 1);
        CompletableFuture<NDList> next = endpoint.predictAsync(in(x));
        ticker.advance(Duration.ofHours(1));
        wakeUp();
        assertClose(output(next.join()), mlp.forward(x));
        assertThat(GuardedMlpFactory.forwards(counter).get()).isEqualTo(1);
    }

    @Test
    void deadlines_failARunningCallOnTime_andSkipTheCallsQueuedBehindIt() throws Exception {
        String counter = name + "-count";
        service(ServingOptions.builder().maxBatchSize(1).workers(1).warmUp(false).build(), false);
        ServingFixtures.publishGuarded(
                maas,
                tmp,
                "m",
                mlp,
                Map.of(GuardedMlpFactory.COUNTER, counter, GuardedMlpFactory.GATE, name));
        Endpoint endpoint = maas.endpoint("m");

        // The first call starts and then waits at the model's gate.
        CompletableFuture<NDList> running =
                CompletableFuture.supplyAsync(
                        () ->
                                endpoint.predict(
                                        in(input(1, 1)),
                                        CallOptions.ofDeadline(Duration.ofMillis(200))));
        ServingFixtures.awaitTrue(
                "the first call runs",
                Duration.ofSeconds(30),
                () -> GuardedMlpFactory.forwards(counter).get() == 1);
        CompletableFuture<NDList> queued =
                endpoint.predictAsync(
                        in(input(2, 1)), CallOptions.ofDeadline(Duration.ofMillis(100)));

        assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("deadline of 200.0 ms")
                .hasMessageContaining("while running; its result is discarded");
        assertThatThrownBy(() -> queued.get(30, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("deadline of 100.0 ms")
                .hasMessageContaining("while queued; it was skipped and never ran");

        GuardedMlpFactory.gate(name).countDown();
        float[][] x = input(3, 1);
        assertClose(output(endpoint.predict(in(x))), mlp.forward(x));
        // The skipped call never reached the model.
        assertThat(GuardedMlpFactory.forwards(counter).get()).isEqualTo(2);
        assertThat(requests("deadline_exceeded")).isEqualTo(2);
    }

    @Test
    void cancelledCall_isSkipped() {
        String counter = name + "-count";
        service(
                ServingOptions.builder()
                        .maxBatchSize(8)
                        .maxBatchDelay(Duration.ofHours(1))
                        .workers(1)
                        .warmUp(false)
                        .build(),
                true);
        ServingFixtures.publishGuarded(
                maas, tmp, "m", mlp, Map.of(GuardedMlpFactory.COUNTER, counter));
        Endpoint endpoint = maas.endpoint("m");

        CompletableFuture<NDList> cancelled = endpoint.predictAsync(in(input(1, 1)));
        float[][] x = input(2, 1);
        CompletableFuture<NDList> kept = endpoint.predictAsync(in(x));
        assertThat(cancelled.cancel(true)).isTrue();
        ticker.advance(Duration.ofHours(1));
        wakeUp();

        assertClose(output(kept.join()), mlp.forward(x));
        assertThat(GuardedMlpFactory.rows(counter).get()).isEqualTo(1);
        assertThat(requests("cancelled")).isEqualTo(1);
    }
}
