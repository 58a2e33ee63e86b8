package dev.maas;

import static dev.maas.ServingFixtures.HIDDEN;
import static dev.maas.ServingFixtures.IN;
import static dev.maas.ServingFixtures.OUT;
import static dev.maas.ServingFixtures.assertClose;
import static dev.maas.ServingFixtures.input;
import static dev.maas.ServingFixtures.output;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.maas.testing.FakeTicker;
import dev.maas.testing.MlpModel;
import io.micrometer.core.instrument.DistributionSummary;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls that skip the queue: a lone blocking call runs on the caller's thread with an idle
 * predictor; while the model is busy, calls queue and are batched, each caller still getting its
 * own rows, unless the model is quicker than a hand-off, when callers make predictors of their own
 * up to a bound; overload, deadlines and hot swap behave as for queued calls. A gate in the model
 * holds a call inside the engine, so "busy" is a fact of the test, not a matter of timing.
 */
@Timeout(120)
class CallerRunsTest {
    @TempDir Path tmp;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MlpModel mlp = MlpModel.random(IN, HIDDEN, OUT, 31);
    private final String name = "cr-" + System.nanoTime();
    private final String counter = name + "-count";
    private ModelService maas;
    private NDManager manager;
    private ExecutorService callers;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager("PyTorch");
        callers = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() {
        GuardedMlpFactory.gate(name).countDown();
        callers.shutdownNow();
        if (maas != null) {
            maas.close();
        }
        manager.close();
    }

    private void service(ServingOptions serving) {
        service(serving, null);
    }

    /** A service, on {@code clock} if not null. */
    private void service(ServingOptions serving, FakeTicker clock) {
        ModelService.Builder b =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .serving(serving)
                        .meterRegistry(registry);
        if (clock != null) {
            b.ticker(clock);
        }
        maas = b.build();
    }

    /** Publishes the guarded MLP as m:1 (gated when asked) and waits for its predictors. */
    private void publishGuarded(boolean gated) {
        publishGuarded(
                gated
                        ? Map.of(GuardedMlpFactory.COUNTER, counter, GuardedMlpFactory.GATE, name)
                        : Map.of(GuardedMlpFactory.COUNTER, counter));
    }

    private void publishGuarded(Map<String, String> props) {
        ServingFixtures.publishGuarded(maas, tmp, "m", mlp, props);
        ServingFixtures.withRuntime(maas, ModelRef.of("m", 1), ModelRuntime::awaitPredictors);
        GuardedMlpFactory.threads(counter).clear();
    }

    private NDList in(float[][] x) {
        return new NDList(manager.create(x));
    }

    private DistributionSummary batchSizes() {
        return registry.get("maas.batch.size").tag("model", "m").summary();
    }

    private int predictors() {
        int[] n = new int[1];
        ServingFixtures.withRuntime(maas, ModelRef.of("m", 1), r -> n[0] = r.predictors());
        return n[0];
    }

    private int queueDepth() {
        int[] depth = new int[1];
        ServingFixtures.withRuntime(maas, ModelRef.of("m", 1), r -> depth[0] = r.queueDepth());
        return depth[0];
    }

    /**
     * Starts a blocking call on a new caller thread; the future holds the result and the thread.
     */
    private Future<Object[]> blockingCall(Endpoint endpoint, float[][] x, CallOptions options) {
        return callers.submit(
                () -> {
                    try (NDManager m = manager.newSubManager()) {
                        float[][] y = output(endpoint.predict(new NDList(m.create(x)), options));
                        return new Object[] {y, Thread.currentThread().getName()};
                    }
                });
    }

    @Test
    void loneBlockingCall_runsOnTheCallersThread_asyncAndDeadlineCallsOnAWorker() {
        service(ServingOptions.builder().workers(2).warmUp(false).build());
        publishGuarded(false);
        Endpoint endpoint = maas.endpoint("m");
        String me = Thread.currentThread().getName();

        float[][] x = input(1, 2);
        NDList out = endpoint.predict(in(x));
        assertClose(output(out), mlp.forward(x));
        assertThat(GuardedMlpFactory.threads(counter)).containsExactly(me);
        // The caller's PyTorch arrays went in as they were; the output is an array of its manager.
        assertThat(out.singletonOrThrow().getManager()).isSameAs(manager);

        GuardedMlpFactory.threads(counter).clear();
        assertClose(output(endpoint.predictAsync(in(x)).join()), mlp.forward(x));
        assertClose(
                output(endpoint.predict(in(x), CallOptions.ofDeadline(Duration.ofMinutes(5)))),
                mlp.forward(x));
        assertThat(GuardedMlpFactory.threads(counter))
                .hasSize(2)
                .allSatisfy(t -> assertThat(t).startsWith("maas-m:1-worker-"));

        // Counted like any other call: one run each, three successes, three queue waits.
        assertThat(batchSizes().count()).isEqualTo(3);
        assertThat(batchSizes().totalAmount()).isEqualTo(6);
        assertThat(
                        registry.get("maas.requests")
                                .tags("model", "m", "outcome", "success", "traffic", "primary")
                                .timer()
                                .count())
                .isEqualTo(3);
        assertThat(registry.get("maas.queue.wait").tag("model", "m").timer().count()).isEqualTo(3);
    }

    @Test
    void callsArrivingWhileThePredictorIsBusy_queueAndRunAsOneBatch_eachGetsItsOwnRows()
            throws Exception {
        service(ServingOptions.builder().workers(1).maxBatchSize(64).warmUp(false).build());
        publishGuarded(true);
        Endpoint endpoint = maas.endpoint("m");

        // The first caller takes the only predictor and waits in the model at the gate.
        float[][] first = input(10, 1);
        Future<Object[]> holder = blockingCall(endpoint, first, CallOptions.NONE);
        ServingFixtures.awaitTrue(
                "the first call runs",
                Duration.ofSeconds(30),
                () -> GuardedMlpFactory.forwards(counter).get() == 1);

        int n = 6;
        List<float[][]> inputs = new ArrayList<>();
        List<Future<Object[]>> queued = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[][] x = input(20 + i, 1 + i % 3);
            inputs.add(x);
            queued.add(blockingCall(endpoint, x, CallOptions.NONE));
        }
        ServingFixtures.awaitTrue(
                "six calls queue", Duration.ofSeconds(30), () -> queueDepth() == n);
        assertThat(GuardedMlpFactory.forwards(counter).get()).isEqualTo(1);

        GuardedMlpFactory.gate(name).countDown();
        Object[] held = holder.get(30, TimeUnit.SECONDS);
        assertClose((float[][]) held[0], mlp.forward(first));
        int rows = 0;
        for (int i = 0; i < n; i++) {
            Object[] r = queued.get(i).get(30, TimeUnit.SECONDS);
            assertClose((float[][]) r[0], mlp.forward(inputs.get(i)));
            rows += inputs.get(i).length;
        }
        // The lone call ran on its caller's thread; the six queued ones as one batch on the worker.
        assertThat(GuardedMlpFactory.threads(counter))
                .containsExactly((String) held[1], "maas-m:1-worker-0");
        assertThat(batchSizes().count()).isEqualTo(2);
        assertThat(batchSizes().max()).isEqualTo(rows);

        // With the predictor free again, the next call runs on its caller's thread once more.
        float[][] x = input(30, 1);
        assertClose(output(endpoint.predict(in(x))), mlp.forward(x));
        assertThat(GuardedMlpFactory.threads(counter))
                .last()
                .isEqualTo(Thread.currentThread().getName());
    }

    @Test
    void whilePredictorsAreBusy_overloadAndDeadlinesAreAsForQueuedCalls() throws Exception {
        service(
                ServingOptions.builder()
                        .workers(1)
                        .queueCapacity(2)
                        .maxBatchSize(64)
                        .warmUp(false)
                        .build());
        publishGuarded(true);
        Endpoint endpoint = maas.endpoint("m");

        float[][] first = input(40, 1);
        Future<Object[]> holder = blockingCall(endpoint, first, CallOptions.NONE);
        ServingFixtures.awaitTrue(
                "the first call runs",
                Duration.ofSeconds(30),
                () -> GuardedMlpFactory.forwards(counter).get() == 1);

        // A blocking call with a deadline queues and is skipped once the deadline passes.
        assertThatThrownBy(
                        () ->
                                endpoint.predict(
                                        in(input(41, 1)),
                                        CallOptions.ofDeadline(Duration.ofMillis(50))))
                .isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("deadline of 50.0 ms")
                .hasMessageContaining("while queued; it was skipped and never ran");

        float[][] a = input(42, 2);
        float[][] b = input(43, 1);
        Future<Object[]> qa = blockingCall(endpoint, a, CallOptions.NONE);
        Future<Object[]> qb = blockingCall(endpoint, b, CallOptions.NONE);
        ServingFixtures.awaitTrue(
                "two calls queue", Duration.ofSeconds(30), () -> queueDepth() == 2);

        // The queue is full: a blocking call is refused at once, as an asynchronous one is.
        assertThatThrownBy(() -> endpoint.predict(in(input(44, 1))))
                .isInstanceOf(OverloadedException.class)
                .hasMessageContaining("capacity of 2 calls");
        CompletableFuture<NDList> rejected = endpoint.predictAsync(in(input(45, 1)));
        assertThatThrownBy(rejected::join).hasCauseInstanceOf(OverloadedException.class);

        GuardedMlpFactory.gate(name).countDown();
        assertClose((float[][]) holder.get(30, TimeUnit.SECONDS)[0], mlp.forward(first));
        assertClose((float[][]) qa.get(30, TimeUnit.SECONDS)[0], mlp.forward(a));
        assertClose((float[][]) qb.get(30, TimeUnit.SECONDS)[0], mlp.forward(b));
        // The skipped and the refused calls never reached the model: one lone run, one batch.
        assertThat(GuardedMlpFactory.rows(counter).get()).isEqualTo(1 + 2 + 1);
        float[][] x = input(46, 1);
        assertClose(output(endpoint.predict(in(x))), mlp.forward(x));
    }

    @Test
    void aliasMovesWhileACallRunsOnItsCallersThread_itGetsTheOldVersion_oldClosedAfterIt()
            throws Exception {
        service(ServingOptions.builder().workers(1).warmUp(false).build());
        publishGuarded(true);
        MlpModel v2 = MlpModel.random(IN, HIDDEN, OUT, 32);
        ServingFixtures.publishMlp(maas, tmp, "m", v2, Map.of());
        maas.setAlias("m", "prod", 1);
        Endpoint endpoint = maas.endpoint("m@prod");
        ModelRuntime v1 = maas.acquire(ModelRef.of("m", 1));
        v1.release();

        float[][] x = input(50, 3);
        Future<Object[]> running = blockingCall(endpoint, x, CallOptions.NONE);
        ServingFixtures.awaitTrue(
                "the call runs on v1",
                Duration.ofSeconds(30),
                () -> GuardedMlpFactory.forwards(counter).get() == 1);

        maas.setAlias("m", "prod", 2);
        AtomicInteger v2Calls = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            float[][] y = input(60 + i, 1);
            assertClose(output(endpoint.predict(in(y))), v2.forward(y));
            v2Calls.incrementAndGet();
        }
        // v1 stays open while its call runs.
        assertThat(v1.closed()).isNotDone();

        GuardedMlpFactory.gate(name).countDown();
        Object[] result = running.get(30, TimeUnit.SECONDS);
        assertClose((float[][]) result[0], mlp.forward(x));
        assertThat(GuardedMlpFactory.threads(counter)).containsExactly((String) result[1]);
        ServingFixtures.awaitTrue("v1 is closed", Duration.ofSeconds(30), v1.closed()::isDone);
        assertThat(v2Calls.get()).isEqualTo(5);
    }

    @Test
    void whileTheModelIsBusy_callsQueueForAWorker_evenWithAPredictorIdle() throws Exception {
        // No run has ended yet, so the model is not known to be quick: calls are to be batched.
        service(ServingOptions.builder().workers(2).maxBatchSize(64).warmUp(false).build());
        publishGuarded(true);
        Endpoint endpoint = maas.endpoint("m");

        float[][] first = input(70, 1);
        Future<Object[]> holder = blockingCall(endpoint, first, CallOptions.NONE);
        ServingFixtures.awaitTrue(
                "the first call runs",
                Duration.ofSeconds(30),
                () -> GuardedMlpFactory.forwards(counter).get() == 1);

        float[][] second = input(71, 2);
        Future<Object[]> queued = blockingCall(endpoint, second, CallOptions.NONE);
        ServingFixtures.awaitTrue(
                "a worker runs the second call",
                Duration.ofSeconds(30),
                () -> GuardedMlpFactory.forwards(counter).get() == 2);

        GuardedMlpFactory.gate(name).countDown();
        Object[] a = holder.get(30, TimeUnit.SECONDS);
        Object[] b = queued.get(30, TimeUnit.SECONDS);
        assertClose((float[][]) a[0], mlp.forward(first));
        assertClose((float[][]) b[0], mlp.forward(second));
        assertThat(GuardedMlpFactory.threads(counter)).hasSize(2).first().isEqualTo((String) a[1]);
        assertThat(GuardedMlpFactory.threads(counter))
                .last()
                .asString()
                .startsWith("maas-m:1-worker-");
        assertThat(predictors()).isEqualTo(2);
    }

    @Test
    void quickModel_callerMakesItsOwnPredictorWhenAllAreBusy_upToTheBound_thenQueues()
            throws Exception {
        // On a clock that never moves every run takes no time: quicker than any hand-off.
        service(
                ServingOptions.builder()
                        .workers(1)
                        .maxPredictors(2)
                        .maxBatchSize(64)
                        .warmUp(false)
                        .build(),
                new FakeTicker());
        publishGuarded(
                Map.of(
                        GuardedMlpFactory.COUNTER,
                        counter,
                        GuardedMlpFactory.GATE,
                        name,
                        GuardedMlpFactory.GATE_AT,
                        "100"));
        Endpoint endpoint = maas.endpoint("m");
        String me = Thread.currentThread().getName();

        // One run ends (on this thread): the model is now known to be quick.
        float[][] lone = input(80, 1);
        assertClose(output(endpoint.predict(in(lone))), mlp.forward(lone));
        assertThat(predictors()).isEqualTo(1);

        // Two callers hold predictors inside the model (inputs of 100 wait at the gate): the
        // second found none idle and made one, and ran at once on its own thread.
        float[][] heldA = input(81, 1);
        heldA[0][0] = 100;
        float[][] heldB = input(82, 2);
        heldB[0][0] = 100;
        Future<Object[]> a = blockingCall(endpoint, heldA, CallOptions.NONE);
        Future<Object[]> b = blockingCall(endpoint, heldB, CallOptions.NONE);
        ServingFixtures.awaitTrue(
                "both held calls run",
                Duration.ofSeconds(30),
                () -> GuardedMlpFactory.forwards(counter).get() == 3);
        assertThat(predictors()).isEqualTo(2);
        assertThat(queueDepth()).isZero();

        // At the bound of two predictors, the next call queues.
        float[][] later = input(83, 1);
        Future<Object[]> c = blockingCall(endpoint, later, CallOptions.NONE);
        ServingFixtures.awaitTrue(
                "the third call queues", Duration.ofSeconds(30), () -> queueDepth() == 1);
        assertThat(GuardedMlpFactory.forwards(counter).get()).isEqualTo(3);

        GuardedMlpFactory.gate(name).countDown();
        Object[] ra = a.get(30, TimeUnit.SECONDS);
        Object[] rb = b.get(30, TimeUnit.SECONDS);
        Object[] rc = c.get(30, TimeUnit.SECONDS);
        assertClose((float[][]) ra[0], mlp.forward(heldA));
        assertClose((float[][]) rb[0], mlp.forward(heldB));
        assertClose((float[][]) rc[0], mlp.forward(later));
        assertThat(GuardedMlpFactory.threads(counter))
                .containsExactlyInAnyOrder(me, (String) ra[1], (String) rb[1], "maas-m:1-worker-0");
        assertThat(predictors()).isEqualTo(2);
    }

    @Test
    void aModelThatReturnsItsInput_givesTheCallerAnArrayOfItsOwn_closingOneLeavesTheOther()
            throws Exception {
        service(ServingOptions.builder().workers(1).warmUp(false).build());
        Path dir = tmp.resolve("identity");
        IdentityBlockFactory.save(dir, "id", IN);
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("id")
                                .engine("PyTorch")
                                .format("djl")
                                .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, IN))
                                .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, IN))
                                .property("blockFactory", IdentityBlockFactory.class.getName())
                                .build(),
                        dir));
        Endpoint endpoint = maas.endpoint("id");

        try (NDManager call = manager.newSubManager()) {
            float[][] x = input(90, 2);
            NDArray in = call.create(x);
            // A lone call with the caller's PyTorch arrays: they reach the model as they are.
            NDArray out = endpoint.predict(new NDList(in)).singletonOrThrow();
            assertThat(out).isNotSameAs(in);
            assertThat(out.getManager()).isSameAs(call);
            assertClose(ServingFixtures.matrix(out), x);
            out.close();
            assertClose(ServingFixtures.matrix(in), x);
        }
    }
}
