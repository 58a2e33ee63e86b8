package dev.maas;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.maas.repository.FileSystemModelRepository;
import dev.maas.repository.ModelRepository;
import dev.maas.spi.EngineBackend;
import dev.maas.spi.LoadedModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p><b>Serving.</b> Each loaded model version has a bounded queue and a few workers that run calls
 * in dynamic batches (see {@link ServingOptions}). Calls go through {@link Endpoint}s, which
 * resolve their reference at call time.
 *
 * <p><b>Versions and traffic.</b> An alias ({@code ranker@production}) moves with {@link
 * #setAlias}: the new version is loaded and warmed up first, calls already running on the old one
 * finish there, and the old one is released (closed once its last call ends) unless another alias
 * or traffic policy of this service still uses it. No call fails because of the move. A traffic
 * policy refines an alias: {@link #setTrafficSplit} spreads its calls over several versions by
 * weight (a canary), sticky per {@link CallOptions#key() key}; {@link #setShadow} mirrors calls to
 * a candidate version whose results are discarded and only measured. Promotion and rollback are
 * {@link #setAlias} (which ends the split). Traffic policies live in this service instance; aliases
 * live in the repository.
 *
 * <pre>{@code
 * maas.setTrafficSplit("ranker", "production", Map.of(3, 0.9, 4, 0.1)); // canary
 * NDList out = ranker.predict(features, CallOptions.ofKey(userId));        // sticky per user
 * maas.setAlias("ranker", "production", 4);                                // promote (or back: 3)
 * }</pre>
 *
 * <p><b>Metrics and health.</b> With a Micrometer registry ({@link Builder#meterRegistry}), calls,
 * latencies, queue and batch figures, loads and cache use are recorded per model version (names in
 * the README); {@link #health()} tells each model's state.
 *
 * <p>Thread-safe: one instance is meant to be shared by the whole application. Closing it releases
 * every loaded model once the calls in flight have finished; it is safe to close more than once.
 *
 * <h2>Loaded models</h2>
 *
 * Models are loaded on first use and cached by exact version. Concurrent first calls for one
 * version share a single load. The cache is bounded by {@link Builder#maxCacheBytes(long)}: when a
 * load completes and the models held would weigh more, the least recently used <em>other</em>
 * models are evicted until the new one fits. The model just loaded is never the one evicted: its
 * load is paid and a call is waiting for it. (This deliberately differs from Caffeine's W-TinyLFU
 * eviction, whose admission filter refuses a newcomer used no more often than the models already
 * cached; with a few heavy models that meant loading a new model several times before it was kept.)
 * A model heavier than the whole bound cannot be kept and its calls fail with a {@link
 * MaasException} saying so. With {@link Builder#expireAfterIdle(Duration)}, a model not called for
 * that long is unloaded. An evicted, expired or deleted model is closed only after the calls that
 * hold it have finished, never under a running call. {@link #storeStats()} counts all of this.
 *
 * <p>A model's weight is what its backend reports as {@link LoadedModel#sizeBytes()}; the DJL-based
 * backends report the bytes of the version's files. Parameters dominate those files and occupy
 * about as many bytes once loaded (float weights are stored as raw arrays), so file bytes are a
 * fair, cheap and engine-independent estimate, known without poking into engine internals. Not
 * counted: each predictor's working memory, which depends on input sizes, and engine-wide memory
 * (native libraries, thread pools); leave headroom for them.
 */
public final class ModelService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelService.class);

    private final ModelRepository repository;
    private final EngineRegistry engines;
    private final EngineOptions engineOptions;
    private final ModelStore store;
    private final ExecutorService loadExecutor;
    private final ServingOptions serving;
    private final ServingMetrics metrics;
    private final Ticker ticker;
    private final ResolveLoader resolveLoader;
    private final LoadingCache<ModelRef, ModelCard> resolved;
    private final ScheduledExecutorService deadlines;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Traffic policies by alias reference ({@code name@alias}). */
    private final Map<ModelRef, TrafficPolicy> traffic = new ConcurrentHashMap<>();

    /** Serialises changes of aliases and traffic policies made through this service. */
    private final Object routing = new Object();

    /** Bumped on every routing change, so a call that routed before it can notice. */
    private final AtomicLong routingEpoch = new AtomicLong();

    private final HealthBoard health;

    /** Drops what was resolved for a model another process changed; see RepositoryListener. */
    private final dev.maas.repository.RepositoryListener changes = this::changedElsewhere;

    /** Runs loads and cache maintenance. */
    private final Executor executor;

    /** The marketplace over this service, made on first use. Guarded by itself. */
    private final Object marketLock = new Object();

    private volatile dev.maas.market.Marketplace market;

    /** Shadow versions being loaded again in the background after an eviction. */
    private final Set<ModelRef> shadowLoads = ConcurrentHashMap.newKeySet();

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
        this.serving = b.serving;
        this.ticker = b.ticker;
        this.health = new HealthBoard(b.ticker, java.time.Clock.systemUTC());
        this.metrics =
                b.meterRegistry == null
                        ? ServingMetrics.NONE
                        : MicrometerMetrics.create(b.meterRegistry);
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
        this.executor = b.executor != null ? b.executor : loadExecutor;
        this.store =
                new ModelStore(b.maxCacheBytes, b.expireAfterIdle, executor, b.ticker, this::load);
        ScheduledThreadPoolExecutor timer =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = new Thread(r, "maas-deadlines");
                            t.setDaemon(true);
                            return t;
                        });
        timer.setRemoveOnCancelPolicy(true);
        this.deadlines = timer;
        metrics.store(this::storeStats, store::weightBytes);
        this.resolveLoader = new ResolveLoader(repository);
        this.resolved =
                Caffeine.newBuilder()
                        .maximumSize(10_000)
                        .refreshAfterWrite(b.resolveRefresh)
                        .executor(ModelStore.orCaller(executor))
                        .ticker(b.ticker)
                        .build(resolveLoader);
        repository.addListener(changes);
    }

    private void changedElsewhere(String name) {
        // Resolved again rather than dropped: when the repository cannot answer (it reported the
        // change, or that it reconnected, just before going away), calls keep the card they had.
        List<ModelRef> affected =
                resolved.asMap().keySet().stream()
                        .filter(r -> name == null || r.name().equals(name))
                        .toList();
        resolveLoader.noticed(
                affected, resolved, ModelStore.orCaller(executor), routingEpoch::incrementAndGet);
        LOG.debug("{} changed in the repository", name == null ? "every model" : name);
    }

    /** Returns a builder with the defaults described on its methods. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the model marketplace over this service, with its defaults (principals, teams and
     * grants in the repository, the audit log in {@code <root>/audit}); made on first use and
     * closed with the service. For other settings build one with {@link
     * dev.maas.market.Marketplace#builder}.
     */
    public dev.maas.market.Marketplace marketplace() {
        dev.maas.market.Marketplace m = market;
        if (m == null) {
            synchronized (marketLock) {
                checkOpen();
                m = market;
                if (m == null) {
                    m = dev.maas.market.Marketplace.builder(this).build();
                    market = m;
                }
            }
        }
        return m;
    }

    /**
     * Returns a view of this service acting for {@code principal}, as the host application says it
     * is: every operation checks the principal's rights and changes are audited. See {@link
     * dev.maas.market.ModelSession}.
     */
    public dev.maas.market.ModelSession as(dev.maas.access.Principal principal) {
        return marketplace().as(principal);
    }

    /**
     * Returns a view acting for the principal {@code id} of the marketplace's directory.
     *
     * @throws dev.maas.access.UnknownPrincipalException if the directory does not know it
     */
    public dev.maas.market.ModelSession as(String id) {
        return marketplace().as(id);
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

    /**
     * Returns the aliases of {@code name} and their versions.
     *
     * @throws ModelNotFoundException if the model has no version
     */
    public Map<String, Integer> aliases(String name) {
        return repository.aliases(name);
    }

    /**
     * Points {@code alias} at {@code version}: a hot swap. The version is loaded and warmed up
     * before the alias moves, so calls through the alias never wait for a load and a version that
     * fails to load never receives traffic. Calls already running on the previous version finish
     * there; that version is then released (closed after its last call) unless another alias, split
     * or shadow of this service still uses it. A traffic split on this alias ends (the alias alone
     * decides again): this is how a canary is promoted or rolled back.
     *
     * @throws ModelNotFoundException if the version does not exist
     * @throws MalformedModelException if the version cannot be loaded (the alias is unchanged)
     * @throws IllegalStateException if the service is closed
     */
    public void setAlias(String name, String alias, int version) {
        checkOpen();
        ModelRef target = ModelRef.of(name, version);
        ModelRef aliasRef = ModelRef.alias(name, alias);
        ModelRuntime runtime = store.acquire(target);
        try {
            synchronized (routing) {
                Set<Integer> before = routedVersions(name);
                repository.setAlias(name, alias, version);
                traffic.computeIfPresent(
                        aliasRef,
                        (k, p) -> {
                            TrafficPolicy kept =
                                    p.shadowVersion() == version
                                            ? TrafficPolicy.NONE
                                            : p.withWeights(Map.of());
                            return kept.isEmpty() ? null : kept;
                        });
                routingChanged(name, before);
            }
        } finally {
            runtime.release();
        }
        LOG.info("{}@{} now points at version {}", name, alias, version);
    }

    /**
     * Removes an alias, and any traffic policy on it.
     *
     * @return whether it existed
     * @throws ModelNotFoundException if the model has no version
     */
    public boolean removeAlias(String name, String alias) {
        synchronized (routing) {
            Set<Integer> before = routedVersions(name);
            boolean removed = repository.removeAlias(name, alias);
            traffic.remove(ModelRef.alias(name, alias));
            routingChanged(name, before);
            return removed;
        }
    }

    /**
     * Deletes a version and unloads it once its calls finish.
     *
     * @throws IllegalStateException if an alias or a traffic policy of this service uses it
     * @throws ModelNotFoundException if it does not exist
     */
    public void delete(String name, int version) {
        synchronized (routing) {
            for (Map.Entry<ModelRef, TrafficPolicy> e : traffic.entrySet()) {
                TrafficPolicy p = e.getValue();
                if (e.getKey().name().equals(name)
                        && (p.weights().containsKey(version) || p.shadowVersion() == version)) {
                    throw new IllegalStateException(
                            "cannot delete "
                                    + name
                                    + ":"
                                    + version
                                    + ": the traffic policy of "
                                    + e.getKey()
                                    + " uses it ("
                                    + p
                                    + ")");
                }
            }
            repository.delete(name, version);
            store.invalidate(ModelRef.of(name, version));
            health.forget(ModelRef.of(name, version));
            resolved.invalidateAll();
            routingEpoch.incrementAndGet();
        }
    }

    /**
     * Splits the calls made through {@code name@alias} over several versions by weight, for example
     * {@code Map.of(3, 0.9, 4, 0.1)} for a 10% canary. Weights are relative (they are normalised);
     * a version with weight 0 gets no calls. Calls with a {@link CallOptions#key() key} always
     * reach the same version for a given split (the key is hashed together with the alias); calls
     * without one are routed at random. Every version is loaded and warmed up before the split
     * takes effect; if one fails to load, nothing changes. The alias itself keeps pointing where it
     * did; {@link #setAlias} ends the split, {@link #clearTrafficSplit} too.
     *
     * @throws IllegalArgumentException if the weights are empty, negative, not finite or all zero
     * @throws ModelNotFoundException if a version does not exist
     * @throws MalformedModelException if a version cannot be loaded (nothing changes)
     * @throws IllegalStateException if the service is closed
     */
    public void setTrafficSplit(String name, String alias, Map<Integer, Double> weights) {
        checkOpen();
        ModelRef aliasRef = ModelRef.alias(name, alias);
        if (weights.isEmpty()) {
            throw new IllegalArgumentException(
                    "a traffic split needs at least one version; use clearTrafficSplit to end one");
        }
        TrafficPolicy split = TrafficPolicy.NONE.withWeights(weights);
        List<ModelRuntime> held = new ArrayList<>();
        try {
            for (int v : split.weights().keySet()) {
                held.add(store.acquire(ModelRef.of(name, v)));
            }
            synchronized (routing) {
                Set<Integer> before = routedVersions(name);
                traffic.merge(aliasRef, split, (old, n) -> old.withWeights(n.weights()));
                routingChanged(name, before);
            }
        } finally {
            held.forEach(ModelRuntime::release);
        }
        LOG.info("{} now splits traffic {}", aliasRef, split.weights());
    }

    /** Ends the traffic split of {@code name@alias}; the alias alone decides again. */
    public void clearTrafficSplit(String name, String alias) {
        ModelRef aliasRef = ModelRef.alias(name, alias);
        synchronized (routing) {
            Set<Integer> before = routedVersions(name);
            traffic.computeIfPresent(
                    aliasRef,
                    (k, p) -> {
                        TrafficPolicy kept = p.withWeights(Map.of());
                        return kept.isEmpty() ? null : kept;
                    });
            routingChanged(name, before);
        }
    }

    /** Mirrors every call through {@code name@alias} to {@code version}; see below. */
    public void setShadow(String name, String alias, int version) {
        setShadow(name, alias, version, 1.0);
    }

    /**
     * Mirrors a share of the calls made through {@code name@alias} to {@code version}, a candidate
     * under evaluation: each mirrored call runs on the shadow version too, after the caller's own
     * call was queued, and its result is discarded; only its metrics are kept (traffic tag {@code
     * shadow}). Shadow calls never delay or fail the callers: when the shadow's queue is full they
     * are dropped (and counted as overloaded). The version is loaded and warmed up first.
     *
     * @param fraction the share of calls mirrored, in (0, 1]
     * @throws IllegalArgumentException if {@code fraction} is out of range
     * @throws ModelNotFoundException if the version does not exist
     * @throws MalformedModelException if the version cannot be loaded (nothing changes)
     * @throws IllegalStateException if the service is closed
     */
    public void setShadow(String name, String alias, int version, double fraction) {
        checkOpen();
        ModelRef aliasRef = ModelRef.alias(name, alias);
        TrafficPolicy shadow = TrafficPolicy.NONE.withShadow(version, fraction);
        ModelRuntime runtime = store.acquire(ModelRef.of(name, version));
        try {
            synchronized (routing) {
                Set<Integer> before = routedVersions(name);
                traffic.merge(aliasRef, shadow, (old, n) -> old.withShadow(version, fraction));
                routingChanged(name, before);
            }
        } finally {
            runtime.release();
        }
        LOG.info("{} now mirrors {} of its calls to version {}", aliasRef, fraction, version);
    }

    /** Stops mirroring calls through {@code name@alias}. */
    public void clearShadow(String name, String alias) {
        ModelRef aliasRef = ModelRef.alias(name, alias);
        synchronized (routing) {
            Set<Integer> before = routedVersions(name);
            traffic.computeIfPresent(
                    aliasRef,
                    (k, p) -> {
                        TrafficPolicy kept = p.withShadow(0, 0);
                        return kept.isEmpty() ? null : kept;
                    });
            routingChanged(name, before);
        }
    }

    /** Returns the traffic policy of {@code name@alias}, if it has one. */
    public Optional<TrafficPolicy> trafficPolicy(String name, String alias) {
        return Optional.ofNullable(traffic.get(ModelRef.alias(name, alias)));
    }

    /**
     * Returns the state of every model version this service is loading or has loaded, and of those
     * that failed to load recently, sorted by name and version. A failure is reported until the
     * version loads, is deleted, or has not been asked for in 15 minutes, and at most the 64 most
     * recent failures are kept; asking for a version that does not exist is not a failure.
     */
    public List<ModelHealth> health() {
        return health.snapshot(this::exists);
    }

    /** Returns whether the version {@code ref} names still exists (readable or not). */
    private boolean exists(ModelRef ref) {
        try {
            repository.resolve(ref);
            return true;
        } catch (ModelNotFoundException e) {
            return false;
        } catch (MaasException e) {
            return true;
        }
    }

    /** Returns the versions of {@code name} that aliases and traffic policies route to now. */
    private Set<Integer> routedVersions(String name) {
        Set<Integer> versions = new HashSet<>();
        try {
            versions.addAll(repository.aliases(name).values());
        } catch (ModelNotFoundException e) {
            // no versions left
        }
        for (Map.Entry<ModelRef, TrafficPolicy> e : traffic.entrySet()) {
            if (e.getKey().name().equals(name)) {
                versions.addAll(e.getValue().weights().keySet());
                if (e.getValue().hasShadow()) {
                    versions.add(e.getValue().shadowVersion());
                }
            }
        }
        return versions;
    }

    /**
     * Makes a routing change visible to calls, and releases the versions of {@code name} that were
     * routed to before it and no longer are (each closes after its last running call).
     */
    private void routingChanged(String name, Set<Integer> before) {
        resolved.invalidateAll();
        routingEpoch.incrementAndGet();
        Set<Integer> after = routedVersions(name);
        for (int v : before) {
            if (!after.contains(v)) {
                LOG.debug("{}:{} is no longer routed to; releasing it", name, v);
                store.invalidate(ModelRef.of(name, v));
            }
        }
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

    /** Runs the model cache's pending maintenance (idle expiry) now; tests use a fake ticker. */
    void cleanUpStore() {
        store.cleanUp();
    }

    ModelRuntime acquire(ModelRef ref) {
        return acquire(ref, null);
    }

    /**
     * Returns the runtime a call through {@code ref} goes to now, with a reference taken: a traffic
     * split's pick (sticky by {@code key}) or what the reference resolves to. A call that routed
     * just before a hot swap and finds its version already released routes again rather than
     * loading the released version back.
     */
    ModelRuntime acquire(ModelRef ref, String key) {
        while (true) {
            checkOpen();
            long epoch = routingEpoch.get();
            ModelRef target = route(ref, key);
            ModelRuntime runtime = store.acquireIfPresent(target);
            if (runtime != null) {
                return runtime;
            }
            if (routingEpoch.get() == epoch) {
                return store.acquire(target);
            }
        }
    }

    /** Returns the exact version a call through {@code ref} with {@code key} goes to now. */
    ModelRef route(ModelRef ref, String key) {
        if (ref.isAlias()) {
            TrafficPolicy p = traffic.get(ref);
            if (p != null && p.isSplit()) {
                double u =
                        key == null
                                ? ThreadLocalRandom.current().nextDouble()
                                : unitHash(ref.toString(), key);
                return ModelRef.of(ref.name(), p.pick(u));
            }
        }
        return resolve(ref).ref();
    }

    /**
     * Returns the shadow runtime for a call through {@code ref}, with a reference taken, when the
     * call is to be mirrored; else null. Never makes the caller wait: a shadow version that is not
     * loaded (evicted meanwhile) is skipped, and loaded again in the background.
     */
    ModelRuntime shadow(ModelRef ref) {
        if (!ref.isAlias()) {
            return null;
        }
        TrafficPolicy p = traffic.get(ref);
        if (p == null || !p.hasShadow()) {
            return null;
        }
        if (p.shadowFraction() < 1
                && ThreadLocalRandom.current().nextDouble() >= p.shadowFraction()) {
            return null;
        }
        ModelRef shadow = ModelRef.of(ref.name(), p.shadowVersion());
        ModelRuntime runtime = store.acquireIfPresent(shadow);
        if (runtime == null && !closed.get() && shadowLoads.add(shadow)) {
            try {
                executor.execute(
                        () -> {
                            try {
                                store.acquire(shadow).release();
                            } catch (RuntimeException e) {
                                LOG.warn(
                                        "shadow version {} cannot be loaded: {}",
                                        shadow,
                                        e.toString());
                            } finally {
                                shadowLoads.remove(shadow);
                            }
                        });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                shadowLoads.remove(shadow);
            }
        }
        return runtime;
    }

    ScheduledExecutorService deadlines() {
        return deadlines;
    }

    Ticker ticker() {
        return ticker;
    }

    /**
     * Maps {@code key} to a point in [0, 1), the same on every JVM (FNV-1a over UTF-8 bytes, then a
     * 64-bit finaliser so that near keys spread out); {@code salt} keeps one key's position
     * independent across aliases.
     */
    static double unitHash(String salt, String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : salt.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ 0xff) * 0x100000001b3L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53;
    }

    private ModelRuntime load(ModelRef key) {
        long start = ticker.read();
        health.loading(key);
        ModelRuntime runtime = null;
        try {
            ModelCard card = repository.resolve(key);
            Path dir = repository.verifiedArtifacts(card);
            EngineRegistry.Selection sel = engines.select(card, dir);
            EngineOptions options = engineOptions.mergedWith(card.properties());
            ServingConfig config =
                    ServingConfig.resolve(
                            sel.card(),
                            serving,
                            options,
                            Runtime.getRuntime().availableProcessors());
            LoadedModel model = sel.backend().load(sel.card(), dir, options);
            runtime = new ModelRuntime(model, config, ticker, metrics.version(model.card()));
            runtime.warmUp();
            long nanos = ticker.read() - start;
            metrics.load(key, nanos, true);
            ModelHealth ready = health.ready(key);
            runtime.closed().thenRun(() -> health.remove(ready));
            LOG.info(
                    "loaded {} on {} in {} ms ({} workers, {})",
                    key,
                    sel.backend().engine(),
                    nanos / 1_000_000,
                    config.workers(),
                    config.batching()
                            ? "batches of up to " + config.maxBatchSize() + " rows"
                            : "no batching: " + config.whyNotBatching());
            return runtime;
        } catch (RuntimeException | Error e) {
            if (runtime != null) {
                runtime.release();
            }
            metrics.load(key, ticker.read() - start, false);
            Throwable failure = e instanceof RuntimeException r ? loadFailure(key, r) : e;
            health.failed(key, failure);
            if (failure instanceof Error err) {
                throw err;
            }
            throw (RuntimeException) failure;
        }
    }

    /**
     * Returns what a caller learns of a failed load: a {@link MaasException} with the cause (a
     * programming error, such as a bad engine option, passes as it is), and {@link
     * ModelNotFoundException} if the version was deleted while it loaded (a partly removed folder
     * otherwise reads as a malformed model).
     */
    private RuntimeException loadFailure(ModelRef key, RuntimeException e) {
        if (!(e instanceof ModelNotFoundException) && !exists(key)) {
            return new ModelNotFoundException(key + " was deleted while it was being loaded", e);
        }
        if (e instanceof MaasException
                || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException
                || e instanceof NullPointerException) {
            return e; // operational failures and programming errors pass as they are
        }
        return new MaasException("loading " + key + " failed: " + e, e);
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
            repository.removeListener(changes);
            synchronized (marketLock) {
                if (market != null) {
                    market.close();
                }
            }
            store.close();
            if (loadExecutor != null) {
                loadExecutor.shutdown();
            }
            deadlines.shutdown();
            metrics.close();
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
        private ServingOptions serving = ServingOptions.defaults();
        private io.micrometer.core.instrument.MeterRegistry meterRegistry;
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
         * Bounds the loaded models' total weight (see "Loaded models" in {@link ModelService});
         * default 4 GiB. Least recently used models are evicted to respect it.
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
         * apply at once, and so do those a repository reports to its {@link
         * dev.maas.repository.RepositoryListener listeners} (the refresh is then the fallback). A
         * reference the repository cannot resolve again, when it is unreachable, keeps its version.
         */
        public Builder resolveRefresh(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("resolveRefresh must be > 0, was " + interval);
            }
            this.resolveRefresh = interval;
            return this;
        }

        /**
         * Sets how many workers, each with its own predictor, serve each loaded model; a shortcut
         * for {@link ServingOptions#workers()}. Default: sized from the cores and the engine's
         * threads, see {@link ServingOptions}.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder predictorsPerModel(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("predictorsPerModel must be > 0, was " + n);
            }
            this.serving = serving.toBuilder().workers(n).build();
            return this;
        }

        /** Sets how models serve calls (batching, workers, queue, warm-up); see there. */
        public Builder serving(ServingOptions serving) {
            this.serving = Objects.requireNonNull(serving, "serving");
            return this;
        }

        /**
         * Records metrics into {@code registry} (Micrometer, an optional dependency: without this
         * call maas neither records metrics nor needs Micrometer on the class path). The meter
         * names are listed in the README.
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Sets the time source of idle expiry, resolve refresh, batching delays, deadlines and
         * metrics; tests pass a fake one instead of sleeping. Default the system ticker.
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
