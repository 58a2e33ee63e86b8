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
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    private double count(String name, String... tags) {
        return registry.get(name).tags("model", "m", "version", "1").tags(tags).counter().count();
    }

    @Test
    void metricsMatchWhatWasDone() {
        Duration delay = Duration.ofMinutes(1);
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

        assertThat(count("maas.requests", "outcome", "success", "traffic", "primary")).isEqualTo(6);
        assertThat(count("maas.requests", "outcome", "invalid_input", "traffic", "primary"))
                .isEqualTo(1);
        assertThat(count("maas.requests", "outcome", "failed", "traffic", "primary")).isZero();
        Timer latency = timer("maas.request.latency", "traffic", "primary");
        assertThat(latency.count()).isEqualTo(7);
        assertThat(latency.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(2 * delay.toNanos());
        Timer queue = timer("maas.queue.time");
        assertThat(queue.count()).isEqualTo(6);
        assertThat(queue.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(2 * delay.toNanos());
        assertThat(timer("maas.inference.time").count()).isEqualTo(2);
        var sizes = registry.get("maas.batch.size").tags("model", "m").summary();
        assertThat(sizes.count()).isEqualTo(2);
        assertThat(sizes.totalAmount()).isEqualTo(6);
        assertThat(sizes.max()).isEqualTo(4);
        assertThat(registry.get("maas.queue.depth").tags("model", "m").gauge().value()).isZero();
        assertThat(timer("maas.model.load.time", "outcome", "success").count()).isEqualTo(1);
        // Seven calls and one wake-up looked the model up: the first had to load it.
        assertThat(count("maas.cache.requests", "result", "miss")).isEqualTo(1);
        assertThat(count("maas.cache.requests", "result", "hit")).isEqualTo(7);
        assertThat(registry.get("maas.cache.models").gauge().value()).isEqualTo(1);

        // Idle for longer than the expiry: evicted, counted, and its gauges removed.
        ticker.advance(Duration.ofHours(2));
        maas.cleanUpStore();
        assertThat(count("maas.cache.evictions", "cause", "expired")).isEqualTo(1);
        assertThat(registry.get("maas.cache.models").gauge().value()).isZero();
        ServingFixtures.awaitTrue(
                "the queue gauge of the closed model is removed",
                Duration.ofSeconds(30),
                () -> registry.find("maas.queue.depth").gauge() == null);
        maas.close();
        assertThat(registry.find("maas.cache.models").gauge()).isNull();
    }
}
