package dev.maas;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.maas.repository.FileSystemModelRepository;
import dev.maas.repository.ModelRepository;
import dev.maas.spi.EngineBackend;
import dev.maas.spi.LoadedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of maas: publishes, finds and serves models in-process.
 *
 * <pre>{@code
 * try (ModelService maas = ModelService.builder().root(Path.of("/var/lib/maas")).build()) {
 *     ModelCard card = maas.publish(ModelPackage.of(ModelCard.builder("ranker").build(), dir));
 *     maas.setAlias("ranker", "production", card.version());
 *     Endpoint ranker = maas.endpoint(ModelRef.parse("ranker@production"));
 *     NDList scores = ranker.predict(features);
 * }
 * }</pre>
 *
 * <p>Thread-safe: one instance is meant to be shared by the whole application. Closing it releases
 * every loaded model once the calls in flight have finished; it is safe to close more than once.
 */
public final class ModelService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelService.class);

    private final ModelRepository repository;
    private final EngineRegistry engines;
    private final EngineOptions engineOptions;
    private final ModelStore store;
    private final ExecutorService loadExecutor;
    private final int predictorsPerModel;
    private final LoadingCache<ModelRef, ModelCard> resolved;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ModelService(Builder b) {
        this.repository =
                b.repository != null
                        ? b.repository
                        : new FileSystemModelRepository(
                                b.root != null
                                        ? b.root
                                        : Path.of(System.getProperty("user.home"), ".maas"));
        this.engines =
                b.backends != null
                        ? new EngineRegistry(b.backends)
                        : EngineRegistry.discover(Thread.currentThread().getContextClassLoader());
        this.engineOptions = b.engineOptions;
        this.predictorsPerModel = b.predictorsPerModel;
        AtomicInteger n = new AtomicInteger();
        this.loadExecutor =
                b.executor != null
                        ? null
                        : Executors.newCachedThreadPool(
                                r -> {
                                    Thread t = new Thread(r, "maas-loader-" + n.incrementAndGet());
                                    t.setDaemon(true);
                                    return t;
                                });
        Executor executor = b.executor != null ? b.executor : loadExecutor;
        this.store =
                new ModelStore(b.maxCacheBytes, b.expireAfterIdle, executor, b.ticker, this::load);
        this.resolved =
                Caffeine.newBuilder()
                        .maximumSize(10_000)
                        .refreshAfterWrite(b.resolveRefresh)
                        .executor(executor)
                        .ticker(b.ticker)
                        .build(repository::resolve);
    }

    /** Returns a builder with the defaults described on its methods. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the repository behind this service. */
    public ModelRepository repository() {
        return repository;
    }

    /**
     * Publishes a new version of a model.
     *
     * @return the stored card, with its assigned version
     * @throws RepositoryException if the files cannot be copied
     */
    public ModelCard publish(ModelPackage modelPackage) {
        checkOpen();
        ModelCard card = repository.publish(modelPackage);
        resolved.invalidateAll();
        return card;
    }

    /** Returns the names of all published models, sorted. */
    public List<String> models() {
        return repository.names();
    }

    /**
     * Returns every version of {@code name}, oldest first.
     *
     * @throws ModelNotFoundException if there is none
     */
    public List<ModelCard> versions(String name) {
        return repository.versions(name);
    }

    /**
     * Returns the card a reference resolves to now.
     *
     * @throws ModelNotFoundException naming what exists when nothing matches
     */
    public ModelCard resolve(ModelRef ref) {
        Objects.requireNonNull(ref, "ref");
        try {
            return resolved.get(ref);
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Returns the aliases of {@code name} and their versions. */
    public Map<String, Integer> aliases(String name) {
        return repository.aliases(name);
    }

    /**
     * Points {@code alias} at {@code version}. The version is loaded before the alias moves, so
     * calls through the alias never wait for a load and a version that fails to load never receives
     * traffic.
     *
     * @throws ModelNotFoundException if the version does not exist
     * @throws MalformedModelException if the version cannot be loaded (the alias is unchanged)
     */
    public void setAlias(String name, String alias, int version) {
        checkOpen();
        ModelRef target = ModelRef.of(name, version);
        ModelRuntime runtime = store.acquire(target);
        runtime.release();
        repository.setAlias(name, alias, version);
        resolved.invalidateAll();
        LOG.info("{}@{} now points at version {}", name, alias, version);
    }

    /**
     * Removes an alias.
     *
     * @return whether it existed
     */
    public boolean removeAlias(String name, String alias) {
        boolean removed = repository.removeAlias(name, alias);
        resolved.invalidateAll();
        return removed;
    }

    /**
     * Deletes a version and unloads it once its calls finish.
     *
     * @throws IllegalStateException if an alias points at it
     * @throws ModelNotFoundException if it does not exist
     */
    public void delete(String name, int version) {
        repository.delete(name, version);
        store.invalidate(ModelRef.of(name, version));
        resolved.invalidateAll();
    }

    /**
     * Returns a thread-safe endpoint for {@code ref}. Nothing is loaded until the first call.
     *
     * @throws IllegalStateException if the service is closed
     */
    public Endpoint endpoint(ModelRef ref) {
        checkOpen();
        return new ServiceEndpoint(this, Objects.requireNonNull(ref, "ref"));
    }

    /** Returns an endpoint for {@code ref} in text form, see {@link ModelRef#parse(String)}. */
    public Endpoint endpoint(String ref) {
        return endpoint(ModelRef.parse(ref));
    }

    /**
     * Runs {@code fn} on the loaded model that {@code ref} resolves to now, viewed as {@code type}
     * (see {@link LoadedModel#unwrap(Class)}), and returns its result. This is how modules that
     * serve models through an API of their own (such as {@code dev.maas.recommend.Recommender}) use
     * the store: the reference is resolved at call time (aliases are followed as they move), the
     * model is loaded once and cached like any other, and it is held for the duration of {@code
     * fn}, so it is never closed under the call even if it is evicted or replaced meanwhile.
     *
     * <p>{@code fn} must not keep the model, or anything it owns, after it returns. Thread-safe;
     * {@code fn} may run concurrently on several threads.
     *
     * @return what {@code fn} returns
     * @throws ModelNotFoundException if the reference resolves to nothing
     * @throws MalformedModelException if the model cannot be loaded
     * @throws EngineUnavailableException if no backend on the class path can load it
     * @throws IllegalArgumentException if the model is not a {@code type} (the message names the
     *     model's task, engine and format)
     * @throws IllegalStateException if the service is closed
     */
    public <T, R> R apply(ModelRef ref, Class<T> type, Function<? super T, ? extends R> fn) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(fn, "fn");
        ModelRuntime runtime = acquire(Objects.requireNonNull(ref, "ref"));
        try {
            LoadedModel model = runtime.model();
            T view =
                    model.unwrap(type)
                            .orElseThrow(
                                    () -> {
                                        ModelCard c = model.card();
                                        return new IllegalArgumentException(
                                                "model "
                                                        + c.ref()
                                                        + " (task "
                                                        + c.task()
                                                        + ", engine "
                                                        + c.engine()
                                                        + ", format "
                                                        + c.format()
                                                        + ") is not a "
                                                        + type.getName());
                                    });
            return fn.apply(view);
        } finally {
            runtime.release();
        }
    }

    /** Returns the model cache's statistics. */
    public StoreStats storeStats() {
        return store.stats();
    }

    /** Returns the engines found on the class path. */
    public List<String> engines() {
        return engines.backends().stream().map(EngineBackend::engine).toList();
    }

    ModelRuntime acquire(ModelRef ref) {
        checkOpen();
        ModelCard card = resolve(ref);
        return store.acquire(card.ref());
    }

    private ModelRuntime load(ModelRef key) {
        long start = System.nanoTime();
        ModelCard card = repository.resolve(key);
        Path dir = repository.verifiedArtifacts(card);
        EngineRegistry.Selection sel = engines.select(card, dir);
        LoadedModel model =
                sel.backend().load(sel.card(), dir, engineOptions.mergedWith(card.properties()));
        LOG.info(
                "loaded {} on {} in {} ms",
                key,
                sel.backend().engine(),
                (System.nanoTime() - start) / 1_000_000);
        return new ModelRuntime(model, predictorsPerModel);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("model service is closed");
        }
    }

    /** Releases every loaded model after its calls finish. Safe to call more than once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            store.close();
            if (loadExecutor != null) {
                loadExecutor.shutdown();
            }
        }
    }

    /** Builds {@link ModelService}s. Not thread-safe. */
    public static final class Builder {
        private Path root;
        private ModelRepository repository;
        private List<EngineBackend> backends;
        private EngineOptions engineOptions = EngineOptions.defaults();
        private long maxCacheBytes = 4L << 30;
        private Duration expireAfterIdle;
        private Duration resolveRefresh = Duration.ofSeconds(1);
        private int predictorsPerModel = Math.max(1, Runtime.getRuntime().availableProcessors());
        private Ticker ticker = Ticker.systemTicker();
        private Executor executor;

        private Builder() {}

        /** Sets the folder of the embedded repository; default {@code ~/.maas}. */
        public Builder root(Path root) {
            this.root = Objects.requireNonNull(root, "root");
            return this;
        }

        /** Uses {@code repository} instead of a folder. */
        public Builder repository(ModelRepository repository) {
            this.repository = Objects.requireNonNull(repository, "repository");
            return this;
        }

        /**
         * Uses exactly these backends instead of those found by {@link java.util.ServiceLoader}.
         */
        public Builder backends(List<EngineBackend> backends) {
            this.backends = List.copyOf(backends);
            return this;
        }

        /** Sets the options passed to engines; default {@link EngineOptions#defaults()}. */
        public Builder engineOptions(EngineOptions engineOptions) {
            this.engineOptions = Objects.requireNonNull(engineOptions, "engineOptions");
            return this;
        }

        /**
         * Bounds the loaded models' total weight (their artifact bytes); default 4 GiB.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder maxCacheBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxCacheBytes must be > 0, was " + bytes);
            }
            this.maxCacheBytes = bytes;
            return this;
        }

        /** Unloads a model not used for {@code idle}; default never. */
        public Builder expireAfterIdle(Duration idle) {
            if (idle.isNegative() || idle.isZero()) {
                throw new IllegalArgumentException("expireAfterIdle must be > 0, was " + idle);
            }
            this.expireAfterIdle = idle;
            return this;
        }

        /**
         * Sets how often a resolved reference is checked again against the repository, to see
         * changes made by other processes; default 1 second. Changes made through this service
         * apply at once.
         */
        public Builder resolveRefresh(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("resolveRefresh must be > 0, was " + interval);
            }
            this.resolveRefresh = interval;
            return this;
        }

        /** Sets how many predictors each loaded model may use at once; default the core count. */
        public Builder predictorsPerModel(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("predictorsPerModel must be > 0, was " + n);
            }
            this.predictorsPerModel = n;
            return this;
        }

        /**
         * Sets the time source of idle expiry and resolve refresh; tests pass a fake one instead of
         * sleeping. Default the system ticker.
         */
        Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Runs model loads and cache maintenance (eviction, expiry, removal) on {@code executor}
         * instead of an owned thread pool; tests pass {@code Runnable::run} so that all of it
         * happens on the calling thread, in order. The service does not shut it down.
         */
        Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Returns the service. */
        public ModelService build() {
            return new ModelService(this);
        }
    }
}
