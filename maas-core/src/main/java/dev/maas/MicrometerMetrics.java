package dev.maas;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Records the serving runtime's metrics into a Micrometer {@link MeterRegistry}. The only class of
 * maas that refers to Micrometer: it is loaded only when the service is built with a registry. The
 * meter names and tags are listed in the README.
 *
 * <p>Names follow Micrometer's conventions: timers carry no unit or {@code .time} suffix (the
 * registry adds {@code _seconds}), one timer per call counts and times it by {@code outcome}, and
 * the model cache is reported like Micrometer's own cache binders ({@code cache.gets}, {@code
 * cache.puts}, {@code cache.evictions}, {@code cache.size}, tagged {@code cache=maas-models}).
 *
 * <p>Thread-safe.
 */
final class MicrometerMetrics implements ServingMetrics {
    /** The {@code cache} tag of the model cache's meters. */
    static final String CACHE_NAME = "maas-models";

    private static final String GETS =
            "Model lookups that found the version loaded or loading (hit) or started its load"
                    + " (miss)";

    private final MeterRegistry registry;

    /** The function counters read this but hold it weakly; held here for as long as the service. */
    private volatile Supplier<StoreStats> storeStats;

    private volatile List<Meter> storeMeters = List.of();

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
        Timer.builder("maas.model.load")
                .description("Time to load and warm up a model version")
                .tags(tags(ref).and("outcome", success ? "success" : "error"))
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void store(Supplier<StoreStats> stats, LongSupplier weightBytes) {
        storeStats = stats;
        Tags cache = Tags.of("cache", CACHE_NAME);
        // Gauges hold their state strongly (Micrometer holds it weakly by default); every meter
        // here reads the service and is removed on close().
        storeMeters =
                List.of(
                        cacheCounter(
                                "cache.gets",
                                GETS,
                                cache.and("result", "hit"),
                                stats,
                                StoreStats::hits),
                        cacheCounter(
                                "cache.gets",
                                GETS,
                                cache.and("result", "miss"),
                                stats,
                                StoreStats::misses),
                        cacheCounter(
                                "cache.puts",
                                "Model versions loaded and added to the cache",
                                cache,
                                stats,
                                StoreStats::loads),
                        cacheCounter(
                                "cache.evictions",
                                "Model versions evicted to respect the weight bound or idle expiry",
                                cache,
                                stats,
                                StoreStats::evictions),
                        Gauge.builder("cache.size", stats, s -> s.get().loaded())
                                .description("Model versions loaded now")
                                .tags(cache)
                                .strongReference(true)
                                .register(registry),
                        Gauge.builder(
                                        "maas.model.cache.weight",
                                        weightBytes,
                                        LongSupplier::getAsLong)
                                .description("Summed weight of the model versions loaded now")
                                .baseUnit("bytes")
                                .strongReference(true)
                                .register(registry));
    }

    private FunctionCounter cacheCounter(
            String name,
            String description,
            Tags tags,
            Supplier<StoreStats> stats,
            ToLongFunction<StoreStats> count) {
        return FunctionCounter.builder(name, stats, s -> count.applyAsLong(s.get()))
                .description(description)
                .tags(tags)
                .register(registry);
    }

    @Override
    public void close() {
        List<Meter> meters = storeMeters;
        storeMeters = List.of();
        meters.forEach(registry::remove);
    }

    private final class Version implements VersionMetrics {
        private final Tags tags;

        /** By outcome, then primary (0) or shadow (1). */
        private final Timer[][] requests;

        private final Timer queue;
        private final Timer inference;
        private final DistributionSummary batchSize;
        private volatile Gauge depth;

        Version(Tags tags) {
            this.tags = tags;
            Outcome[] outcomes = Outcome.values();
            requests = new Timer[outcomes.length][2];
            for (Outcome o : outcomes) {
                for (int s = 0; s < 2; s++) {
                    requests[o.ordinal()][s] =
                            Timer.builder("maas.requests")
                                    .description(
                                            "Time from call to result, as the caller sees it, by"
                                                    + " how the call ended")
                                    .tags(
                                            tags.and(
                                                    "outcome",
                                                    o.tag,
                                                    "traffic",
                                                    s == 0 ? "primary" : "shadow"))
                                    .register(registry);
                }
            }
            queue =
                    Timer.builder("maas.queue.wait")
                            .description("Time calls wait in the queue before their batch runs")
                            .tags(tags)
                            .register(registry);
            inference =
                    Timer.builder("maas.inference")
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

        @Override
        public void request(Outcome outcome, boolean shadow, long latencyNanos) {
            requests[outcome.ordinal()][shadow ? 1 : 0].record(latencyNanos, TimeUnit.NANOSECONDS);
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
