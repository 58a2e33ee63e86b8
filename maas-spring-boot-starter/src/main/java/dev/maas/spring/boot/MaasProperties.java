package dev.maas.spring.boot;

import ai.djl.Device;
import dev.maas.EngineOptions;
import dev.maas.ModelService;
import dev.maas.ServingOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the auto-configured {@link ModelService}, bound from the {@code maas.*} properties.
 * Every setting left unset keeps the default of {@link ModelService.Builder}, {@link
 * ServingOptions} or {@link EngineOptions}. Unknown keys under {@code maas} fail at startup, and so
 * do values out of range, with a message naming the property.
 *
 * <pre>
 * maas.root=/var/lib/maas
 * maas.cache.max-bytes=2GB
 * maas.cache.expire-after-idle=30m
 * maas.resolve-refresh=5s
 * maas.serving.max-batch-size=64
 * maas.serving.max-batch-delay=2ms
 * maas.serving.queue-capacity=4096
 * maas.serving.workers=2
 * maas.engine.device=cpu
 * maas.engine.intra-op-threads=4
 * maas.engine.inter-op-threads=1
 * </pre>
 *
 * <p>Not thread-safe: Spring binds it once at startup.
 */
@ConfigurationProperties(prefix = "maas", ignoreUnknownFields = false)
public class MaasProperties {
    private static final Pattern DEVICE = Pattern.compile("(cpu|gpu)(?:[:(]?([0-9]+)\\)?)?");

    /** Folder of the embedded model repository; default {@code ~/.maas}. */
    private Path root;

    /**
     * How often a resolved reference is checked again against the repository, to see changes made
     * by other processes; default 1 second.
     */
    private Duration resolveRefresh;

    private final Cache cache = new Cache();
    private final Serving serving = new Serving();
    private final Engine engine = new Engine();

    /** Returns the repository folder, or null for the default. */
    public Path getRoot() {
        return root;
    }

    /** Sets the repository folder. */
    public void setRoot(Path root) {
        this.root = root;
    }

    /** Returns the resolve refresh interval, or null for the default. */
    public Duration getResolveRefresh() {
        return resolveRefresh;
    }

    /** Sets the resolve refresh interval. */
    public void setResolveRefresh(Duration resolveRefresh) {
        this.resolveRefresh = resolveRefresh;
    }

    /** Returns the model cache settings ({@code maas.cache.*}). */
    public Cache getCache() {
        return cache;
    }

    /** Returns the serving settings ({@code maas.serving.*}). */
    public Serving getServing() {
        return serving;
    }

    /** Returns the engine settings ({@code maas.engine.*}). */
    public Engine getEngine() {
        return engine;
    }

    /**
     * Applies these settings to {@code builder}.
     *
     * @throws IllegalStateException if a value is out of range; the message names the property
     */
    public void applyTo(ModelService.Builder builder) {
        if (root != null) {
            builder.root(root);
        }
        if (resolveRefresh != null) {
            check("maas.resolve-refresh", () -> builder.resolveRefresh(resolveRefresh));
        }
        if (cache.maxBytes != null) {
            check("maas.cache.max-bytes", () -> builder.maxCacheBytes(cache.maxBytes.toBytes()));
        }
        if (cache.expireAfterIdle != null) {
            check(
                    "maas.cache.expire-after-idle",
                    () -> builder.expireAfterIdle(cache.expireAfterIdle));
        }
        builder.serving(serving.toOptions());
        builder.engineOptions(engine.toOptions());
    }

    private static void check(String property, Runnable apply) {
        try {
            apply.run();
        } catch (IllegalArgumentException e) {
            throw invalid(property, e.getMessage(), e);
        }
    }

    private static IllegalStateException invalid(String property, String why, Throwable cause) {
        return new IllegalStateException("invalid " + property + ": " + why, cause);
    }

    /** The model cache ({@code maas.cache.*}). Not thread-safe. */
    public static class Cache {
        /** Bound on the loaded models' total weight (e.g. 512MB, 4GB); default 4 GiB. */
        private DataSize maxBytes;

        /** Unloads a model not called for this long; default never. */
        private Duration expireAfterIdle;

        /** Returns the cache bound, or null for the default. */
        public DataSize getMaxBytes() {
            return maxBytes;
        }

        /** Sets the cache bound; a plain number is read as bytes. */
        public void setMaxBytes(DataSize maxBytes) {
            this.maxBytes = maxBytes;
        }

        /** Returns the idle expiry, or null for never. */
        public Duration getExpireAfterIdle() {
            return expireAfterIdle;
        }

        /** Sets the idle expiry. */
        public void setExpireAfterIdle(Duration expireAfterIdle) {
            this.expireAfterIdle = expireAfterIdle;
        }
    }

    /** How loaded models serve calls ({@code maas.serving.*}); see {@link ServingOptions}. */
    public static class Serving {
        /** The most rows in one batch; 1 turns batching off. Default 32. */
        private Integer maxBatchSize;

        /** How long a batch may wait to fill; default 0 (no wait). */
        private Duration maxBatchDelay;

        /** The most calls queued per model version; default 1024. */
        private Integer queueCapacity;

        /** Workers (predictors) per model version; default 0, sized from cores and threads. */
        private Integer workers;

        /** Whether models are warmed up when they load; default true. */
        private Boolean warmUp;

        /** Batch sizes used for warm-up; default powers of two up to the max batch size. */
        private List<Integer> warmUpBatchSizes = new ArrayList<>();

        /** The most predictors per model version; default 0, 16 per core. */
        private Integer maxPredictors;

        /** Per-call run time below which calls are not worth a hand-off; default 50 µs. */
        private Duration handOffCost;

        /** Returns the max batch size, or null for the default. */
        public Integer getMaxBatchSize() {
            return maxBatchSize;
        }

        /** Sets the max batch size. */
        public void setMaxBatchSize(Integer maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
        }

        /** Returns the max batch delay, or null for the default. */
        public Duration getMaxBatchDelay() {
            return maxBatchDelay;
        }

        /** Sets the max batch delay. */
        public void setMaxBatchDelay(Duration maxBatchDelay) {
            this.maxBatchDelay = maxBatchDelay;
        }

        /** Returns the queue capacity, or null for the default. */
        public Integer getQueueCapacity() {
            return queueCapacity;
        }

        /** Sets the queue capacity. */
        public void setQueueCapacity(Integer queueCapacity) {
            this.queueCapacity = queueCapacity;
        }

        /** Returns the workers per model version, or null for the default. */
        public Integer getWorkers() {
            return workers;
        }

        /** Sets the workers per model version. */
        public void setWorkers(Integer workers) {
            this.workers = workers;
        }

        /** Returns whether models warm up, or null for the default. */
        public Boolean getWarmUp() {
            return warmUp;
        }

        /** Sets whether models warm up. */
        public void setWarmUp(Boolean warmUp) {
            this.warmUp = warmUp;
        }

        /** Returns the warm-up batch sizes; empty for the default. */
        public List<Integer> getWarmUpBatchSizes() {
            return warmUpBatchSizes;
        }

        /** Sets the warm-up batch sizes. */
        public void setWarmUpBatchSizes(List<Integer> warmUpBatchSizes) {
            this.warmUpBatchSizes = new ArrayList<>(warmUpBatchSizes);
        }

        /** Returns the most predictors per model version, or null for the default. */
        public Integer getMaxPredictors() {
            return maxPredictors;
        }

        /** Sets the most predictors per model version. */
        public void setMaxPredictors(Integer maxPredictors) {
            this.maxPredictors = maxPredictors;
        }

        /** Returns the hand-off cost, or null for the default. */
        public Duration getHandOffCost() {
            return handOffCost;
        }

        /** Sets the hand-off cost. */
        public void setHandOffCost(Duration handOffCost) {
            this.handOffCost = handOffCost;
        }

        /**
         * Returns the serving options these settings describe.
         *
         * @throws IllegalStateException if a value is out of range
         */
        ServingOptions toOptions() {
            ServingOptions.Builder b = ServingOptions.builder();
            if (maxBatchSize != null) {
                b.maxBatchSize(maxBatchSize);
            }
            if (maxBatchDelay != null) {
                b.maxBatchDelay(maxBatchDelay);
            }
            if (queueCapacity != null) {
                b.queueCapacity(queueCapacity);
            }
            if (workers != null) {
                b.workers(workers);
            }
            if (warmUp != null) {
                b.warmUp(warmUp);
            }
            if (!warmUpBatchSizes.isEmpty()) {
                b.warmUpBatchSizes(warmUpBatchSizes.stream().mapToInt(Integer::intValue).toArray());
            }
            if (maxPredictors != null) {
                b.maxPredictors(maxPredictors);
            }
            if (handOffCost != null) {
                b.handOffCost(handOffCost);
            }
            try {
                return b.build();
            } catch (IllegalArgumentException e) {
                throw invalid(servingProperty(e.getMessage()), e.getMessage(), e);
            }
        }
    }

    /**
     * Returns the property a {@link ServingOptions} message is about: its first word names the
     * setting in camel case ({@code maxBatchSize must be > 0}).
     */
    static String servingProperty(String message) {
        String first = message == null ? "" : message.split(" ", 2)[0];
        if (!first.matches("[a-z][A-Za-z]*")) {
            return "maas.serving";
        }
        return "maas.serving." + first.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }

    /** Options passed to engines ({@code maas.engine.*}); see {@link EngineOptions}. */
    public static class Engine {
        /** Where models run: cpu, gpu or gpu followed by its index (gpu1); default the engine's. */
        private String device;

        /** Threads inside one operator; default the engine's. */
        private Integer intraOpThreads;

        /** Threads between operators; default the engine's. */
        private Integer interOpThreads;

        /** Whether the engine's graph optimizer runs; default the engine's. */
        private Boolean graphOptimizer;

        /** Further engine settings, passed to the engine as they are. */
        private Map<String, String> options = new LinkedHashMap<>();

        /** Returns the device name, or null for the engine's default. */
        public String getDevice() {
            return device;
        }

        /** Sets the device name. */
        public void setDevice(String device) {
            this.device = device;
        }

        /** Returns the intra-op threads, or null for the engine's default. */
        public Integer getIntraOpThreads() {
            return intraOpThreads;
        }

        /** Sets the intra-op threads. */
        public void setIntraOpThreads(Integer intraOpThreads) {
            this.intraOpThreads = intraOpThreads;
        }

        /** Returns the inter-op threads, or null for the engine's default. */
        public Integer getInterOpThreads() {
            return interOpThreads;
        }

        /** Sets the inter-op threads. */
        public void setInterOpThreads(Integer interOpThreads) {
            this.interOpThreads = interOpThreads;
        }

        /** Returns whether the graph optimizer runs, or null for the engine's default. */
        public Boolean getGraphOptimizer() {
            return graphOptimizer;
        }

        /** Sets whether the graph optimizer runs. */
        public void setGraphOptimizer(Boolean graphOptimizer) {
            this.graphOptimizer = graphOptimizer;
        }

        /** Returns the further engine settings. */
        public Map<String, String> getOptions() {
            return options;
        }

        /** Sets the further engine settings. */
        public void setOptions(Map<String, String> options) {
            this.options = new LinkedHashMap<>(options);
        }

        /**
         * Returns the engine options these settings describe.
         *
         * @throws IllegalStateException if a value is out of range
         */
        EngineOptions toOptions() {
            EngineOptions o = EngineOptions.defaults();
            for (Map.Entry<String, String> e : options.entrySet()) {
                o = o.with(e.getKey(), e.getValue());
            }
            if (intraOpThreads != null) {
                o =
                        o.with(
                                EngineOptions.INTRA_OP_THREADS,
                                positive("intra-op-threads", intraOpThreads));
            }
            if (interOpThreads != null) {
                o =
                        o.with(
                                EngineOptions.INTER_OP_THREADS,
                                positive("inter-op-threads", interOpThreads));
            }
            if (graphOptimizer != null) {
                o = o.with(EngineOptions.GRAPH_OPTIMIZER, graphOptimizer.toString());
            }
            if (device != null && !device.isBlank()) {
                o = o.withDevice(device(device));
            }
            return o;
        }

        private static String positive(String name, int n) {
            if (n <= 0) {
                throw invalid("maas.engine." + name, "must be > 0, was " + n, null);
            }
            return Integer.toString(n);
        }

        /** Parses a device name without starting an engine (DJL's parser asks one for defaults). */
        static Device device(String name) {
            Matcher m = DEVICE.matcher(name.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw invalid(
                        "maas.engine.device",
                        "must be cpu, gpu or gpu followed by its index (gpu1), was '" + name + "'",
                        null);
            }
            if (m.group(1).equals("cpu")) {
                return Device.cpu();
            }
            return m.group(2) == null ? Device.gpu() : Device.gpu(Integer.parseInt(m.group(2)));
        }
    }
}
