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
import ai.djl.ndarray.types.Shape;
import dev.maas.testing.FakeTicker;
import dev.maas.testing.MlpModel;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Micrometer metrics of a known sequence of calls on a fake clock: every count, sum and time is
 * what the calls, batches and waits were.
 */
@Timeout(120)
class ServingMetricsTest {
    @TempDir Path tmp;

    private final FakeTicker ticker = new FakeTicker();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MlpModel mlp = MlpModel.random(IN, HIDDEN, OUT, 77);
    private ModelService maas;
    private final NDManager manager = NDManager.newBaseManager("PyTorch");

    @AfterEach
    void tearDown() {
        maas.close();
        manager.close();
    }

    private Timer timer(String name, String... tags) {
        return registry.get(name).tags("model", "m", "version", "1").tags(tags).timer();
    }

    private double cache(String name, String... tags) {
        return registry.get(name).tags("cache", "maas-models").tags(tags).functionCounter().count();
    }

    private void start(Duration delay) {
        maas =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .serving(
                                ServingOptions.builder()
                                        .maxBatchSize(4)
                                        .maxBatchDelay(delay)
                                        .workers(1)
                                        .warmUp(false)
                                        .build())
                        .expireAfterIdle(Duration.ofHours(1))
                        .executor(Runnable::run)
                        .meterRegistry(registry)
                        .ticker(ticker)
                        .build();
    }

    @Test
    void metricsMatchWhatWasDone() {
        Duration delay = Duration.ofMinutes(1);
        start(delay);
        ServingFixtures.publishMlp(maas, tmp, "m", mlp, Map.of());
        Endpoint endpoint = maas.endpoint("m");

        // Six calls: a full batch of four at once, then two that wait the delay.
        List<float[][]> inputs = new ArrayList<>();
        List<CompletableFuture<NDList>> futures = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            inputs.add(input(i, 1));
            futures.add(endpoint.predictAsync(new NDList(manager.create(inputs.get(i)))));
        }
        for (int i = 0; i < 4; i++) {
            assertClose(output(futures.get(i).join()), mlp.forward(inputs.get(i)));
        }
        assertThat(registry.get("maas.queue.depth").tags("model", "m").gauge().value())
                .isEqualTo(2);
        ticker.advance(delay);
        ServingFixtures.withRuntime(maas, ModelRef.of("m", 1), ModelRuntime::wakeUp);
        for (int i = 4; i < 6; i++) {
            assertClose(output(futures.get(i).join()), mlp.forward(inputs.get(i)));
        }
        // One call with the wrong shape.
        assertThatThrownBy(() -> endpoint.predict(new NDList(manager.ones(new Shape(1, IN + 1)))))
                .isInstanceOf(InvalidInputException.class);

        assertThat(timer("maas.requests", "outcome", "success", "traffic", "primary").count())
                .isEqualTo(6);
        assertThat(timer("maas.requests", "outcome", "invalid_input", "traffic", "primary").count())
                .isEqualTo(1);
        assertThat(timer("maas.requests", "outcome", "error", "traffic", "primary").count())
                .isZero();
        // Every call, whatever its outcome, in one timer: seven calls, two of which waited.
        var calls = registry.get("maas.requests").tags("model", "m", "traffic", "primary").timers();
        assertThat(calls.stream().mapToLong(Timer::count).sum()).isEqualTo(7);
        assertThat(calls.stream().mapToDouble(t -> t.totalTime(TimeUnit.NANOSECONDS)).sum())
                .isEqualTo(2 * delay.toNanos());
        assertThat(
                        timer("maas.requests", "outcome", "success", "traffic", "primary")
                                .totalTime(TimeUnit.NANOSECONDS))
                .isEqualTo(2 * delay.toNanos());
        Timer queue = timer("maas.queue.wait");
        assertThat(queue.count()).isEqualTo(6);
        assertThat(queue.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(2 * delay.toNanos());
        assertThat(timer("maas.inference").count()).isEqualTo(2);
        var sizes = registry.get("maas.batch.size").tags("model", "m").summary();
        assertThat(sizes.count()).isEqualTo(2);
        assertThat(sizes.totalAmount()).isEqualTo(6);
        assertThat(sizes.max()).isEqualTo(4);
        assertThat(registry.get("maas.queue.depth").tags("model", "m").gauge().value()).isZero();
        assertThat(timer("maas.model.load", "outcome", "success").count()).isEqualTo(1);
        // Seven calls and one wake-up looked the model up: the first had to load it.
        assertThat(cache("cache.gets", "result", "miss")).isEqualTo(1);
        assertThat(cache("cache.gets", "result", "hit")).isEqualTo(7);
        assertThat(cache("cache.puts")).isEqualTo(1);
        assertThat(cache("cache.evictions")).isZero();
        StoreStats stats = maas.storeStats();
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.hits()).isEqualTo(7);
        assertThat(registry.get("cache.size").tags("cache", "maas-models").gauge().value())
                .isEqualTo(1);
        double weight = registry.get("maas.model.cache.weight").gauge().value();
        assertThat(weight).isPositive();
        assertThat(registry.get("maas.model.cache.weight").gauge().getId().getBaseUnit())
                .isEqualTo("bytes");

        // Idle for longer than the expiry: evicted, counted, and its gauges removed.
        ticker.advance(Duration.ofHours(2));
        maas.cleanUpStore();
        assertThat(cache("cache.evictions")).isEqualTo(1);
        assertThat(maas.storeStats().evictions()).isEqualTo(1);
        assertThat(registry.get("cache.size").tags("cache", "maas-models").gauge().value())
                .isZero();
        assertThat(registry.get("maas.model.cache.weight").gauge().value()).isZero();
        ServingFixtures.awaitTrue(
                "the queue gauge of the closed model is removed",
                Duration.ofSeconds(30),
                () -> registry.find("maas.queue.depth").gauge() == null);
        maas.close();
        assertThat(registry.find("cache.size").gauge()).isNull();
        assertThat(registry.find("cache.gets").meters()).isEmpty();
        assertThat(registry.find("maas.model.cache.weight").gauge()).isNull();
    }

    /**
     * The meters, their types, base units and tag keys are exactly those the README documents: a
     * renamed meter or tag fails here before it reaches a dashboard.
     */
    @Test
    void meterIds_areExactlyTheDocumentedSet() {
        start(Duration.ZERO);
        ServingFixtures.publishMlp(maas, tmp, "m", mlp, Map.of());
        Endpoint endpoint = maas.endpoint("m");
        for (int i = 0; i < 3; i++) {
            endpoint.predict(new NDList(manager.create(input(i, 1))));
        }
        assertThatThrownBy(() -> endpoint.predict(new NDList(manager.ones(new Shape(1, IN + 1)))))
                .isInstanceOf(InvalidInputException.class);

        Map<String, String> meters = new TreeMap<>();
        for (Meter m : registry.getMeters()) {
            Meter.Id id = m.getId();
            assertThat(id.getDescription()).as("description of %s", id).isNotBlank();
            String shape =
                    id.getType()
                            + " "
                            + id.getBaseUnit()
                            + " "
                            + id.getTags().stream().map(Tag::getKey).toList();
            String was = meters.put(id.getName(), shape);
            assertThat(was).as("one shape for %s", id.getName()).isIn(null, shape);
        }
        assertThat(meters)
                .containsExactlyEntriesOf(
                        new TreeMap<>(
                                Map.ofEntries(
                                        Map.entry(
                                                "maas.requests",
                                                "TIMER seconds [model, outcome, traffic, version]"),
                                        Map.entry(
                                                "maas.queue.wait",
                                                "TIMER seconds [model, version]"),
                                        Map.entry(
                                                "maas.inference", "TIMER seconds [model, version]"),
                                        Map.entry(
                                                "maas.batch.size",
                                                "DISTRIBUTION_SUMMARY rows [model, version]"),
                                        Map.entry(
                                                "maas.queue.depth", "GAUGE null [model, version]"),
                                        Map.entry(
                                                "maas.model.load",
                                                "TIMER seconds [model, outcome, version]"),
                                        Map.entry("cache.gets", "COUNTER null [cache, result]"),
                                        Map.entry("cache.puts", "COUNTER null [cache]"),
                                        Map.entry("cache.evictions", "COUNTER null [cache]"),
                                        Map.entry("cache.size", "GAUGE null [cache]"),
                                        Map.entry("maas.model.cache.weight", "GAUGE bytes []"))));
        assertThat(tagValues("maas.requests", "outcome"))
                .containsExactlyInAnyOrder(
                        "success",
                        "invalid_input",
                        "overloaded",
                        "deadline_exceeded",
                        "error",
                        "cancelled");
        assertThat(tagValues("maas.requests", "traffic"))
                .containsExactlyInAnyOrder("primary", "shadow");
        assertThat(tagValues("maas.model.load", "outcome")).containsExactly("success");
        assertThat(tagValues("cache.gets", "result")).containsExactlyInAnyOrder("hit", "miss");
        assertThat(tagValues("cache.gets", "cache")).containsExactly("maas-models");
        assertThat(timer("maas.requests", "outcome", "success", "traffic", "primary").count())
                .isEqualTo(3);
        assertThat(timer("maas.requests", "outcome", "invalid_input", "traffic", "primary").count())
                .isEqualTo(1);
    }

    private Set<String> tagValues(String name, String key) {
        return registry.find(name).meters().stream()
                .map(m -> m.getId().getTag(key))
                .collect(Collectors.toSet());
    }
}
