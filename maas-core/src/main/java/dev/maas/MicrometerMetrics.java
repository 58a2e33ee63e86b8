package dev.maas;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Records the serving runtime's metrics into a Micrometer {@link MeterRegistry}. The only class of
 * maas that refers to Micrometer: it is loaded only when the service is built with a registry. The
 * meter names and tags are listed in the README.
 *
 * <p>Thread-safe.
 */
final class MicrometerMetrics implements ServingMetrics {
    private final MeterRegistry registry;
    private volatile Gauge storeGauge;

    private MicrometerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Returns metrics that record into {@code registry}. */
    static ServingMetrics create(MeterRegistry registry) {
        return new MicrometerMetrics(registry);
    }

    private static Tags tags(ModelRef ref) {
        return Tags.of("model", ref.name(), "version", Integer.toString(ref.version()));
    }

    @Override
    public VersionMetrics version(ModelCard card) {
        return new Version(tags(card.ref()));
    }

    @Override
    public void load(ModelRef ref, long nanos, boolean success) {
        Timer.builder("maas.model.load.time")
                .description("Time to load and warm up a model version")
                .tags(tags(ref).and("outcome", success ? "success" : "failure"))
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void cache(ModelRef ref, boolean hit) {
        Counter.builder("maas.cache.requests")
                .description("Calls that found their model version loaded (hit) or not (miss)")
                .tags(tags(ref).and("result", hit ? "hit" : "miss"))
                .register(registry)
                .increment();
    }

    @Override
    public void evicted(ModelRef ref, String cause) {
        Counter.builder("maas.cache.evictions")
                .description("Model versions removed from the cache")
                .tags(tags(ref).and("cause", cause))
                .register(registry)
                .increment();
    }

    @Override
    public void store(Supplier<StoreStats> stats) {
        // Held strongly (Micrometer holds gauge state weakly by default), removed on close().
        storeGauge =
                Gauge.builder("maas.cache.models", stats, s -> s.get().loaded())
                        .description("Model versions loaded now")
                        .strongReference(true)
                        .register(registry);
    }

    @Override
    public void close() {
        Gauge g = storeGauge;
        if (g != null) {
            registry.remove(g);
            storeGauge = null;
        }
    }

    private final class Version implements VersionMetrics {
        private final Tags tags;
        private final Counter[][] requests;
        private final Timer latency;
        private final Timer shadowLatency;
        private final Timer queue;
        private final Timer inference;
        private final DistributionSummary batchSize;
        private volatile Gauge depth;

        Version(Tags tags) {
            this.tags = tags;
            Outcome[] outcomes = Outcome.values();
            requests = new Counter[outcomes.length][2];
            for (Outcome o : outcomes) {
                for (int s = 0; s < 2; s++) {
                    requests[o.ordinal()][s] =
                            Counter.builder("maas.requests")
                                    .description("Calls by how they ended")
                                    .tags(
                                            tags.and(
                                                    "outcome",
                                                    o.tag,
                                                    "traffic",
                                                    s == 0 ? "primary" : "shadow"))
                                    .register(registry);
                }
            }
            latency = latencyTimer("primary");
            shadowLatency = latencyTimer("shadow");
            queue =
                    Timer.builder("maas.queue.time")
                            .description("Time calls wait in the queue before their batch runs")
                            .tags(tags)
                            .register(registry);
            inference =
                    Timer.builder("maas.inference.time")
                            .description("Time to run one batch, assembly and split included")
                            .tags(tags)
                            .register(registry);
            batchSize =
                    DistributionSummary.builder("maas.batch.size")
                            .description("Rows per batch")
                            .baseUnit("rows")
                            .tags(tags)
                            .register(registry);
        }

        private Timer latencyTimer(String traffic) {
            return Timer.builder("maas.request.latency")
                    .description("Time from call to result, as the caller sees it")
                    .tags(tags.and("traffic", traffic))
                    .register(registry);
        }

        @Override
        public void request(Outcome outcome, boolean shadow, long latencyNanos) {
            requests[outcome.ordinal()][shadow ? 1 : 0].increment();
            (shadow ? shadowLatency : latency).record(latencyNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void queued(long nanos) {
            queue.record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void batch(int rows, long nanos) {
            batchSize.record(rows);
            inference.record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void queueDepth(IntSupplier supplier) {
            depth =
                    Gauge.builder("maas.queue.depth", supplier, IntSupplier::getAsInt)
                            .description("Calls waiting in the queue")
                            .tags(tags)
                            .strongReference(true)
                            .register(registry);
        }

        @Override
        public void close() {
            Gauge g = depth;
            if (g != null) {
                registry.remove(g);
                depth = null;
            }
        }
    }
}
