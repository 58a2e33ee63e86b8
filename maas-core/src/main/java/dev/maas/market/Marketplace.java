package dev.maas.market;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.maas.MaasException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Visibility;
import dev.maas.access.AccessPolicy;
import dev.maas.access.Directory;
import dev.maas.access.Grant;
import dev.maas.access.Grantee;
import dev.maas.access.ModelAccess;
import dev.maas.access.Permission;
import dev.maas.access.Principal;
import dev.maas.access.Quota;
import dev.maas.access.QuotaLimiter;
import dev.maas.access.RepositoryDirectory;
import dev.maas.audit.AuditLog;
import dev.maas.audit.FileAuditLog;
import dev.maas.catalog.Catalog;
import dev.maas.catalog.UsageRecorder;
import dev.maas.catalog.UsageRow;
import dev.maas.repository.FileSystemModelRepository;
import dev.maas.repository.ModelRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model marketplace over one {@link ModelService}: who may see, use, publish and administer
 * which model, discovery, usage, quotas, lifecycle and the audit log. Every operation runs for a
 * principal through a {@link ModelSession} ({@link #as(Principal)}); the service itself remains the
 * trusted host's unscoped view.
 *
 * <p><b>Trust.</b> In process, the host application says who the caller is, and the marketplace
 * enforces what that principal may do. It is not a security boundary against the host, nor against
 * anyone who can write the repository folder: such a process can change grants or files directly
 * (the audit log's hash chain shows that it did). The network service and the shared catalog make
 * it a real boundary.
 *
 * <p>Defaults: principals and teams in the repository ({@link RepositoryDirectory}), decisions by
 * {@link AccessPolicy#DEFAULT}, the audit log in {@code <root>/audit} of a file-system repository
 * or the one another repository keeps ({@link ModelRepository#auditLog()}). Usage is counted in
 * memory on the hot path and added to the repository every {@link Builder#usageFlushInterval} and
 * on {@link #close()}. One marketplace per service.
 *
 * <p>Thread-safe.
 */
public final class Marketplace implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Marketplace.class);

    /** How long a principal's permission on a model is reused before it is decided again. */
    static final Duration DECISION_TTL = Duration.ofSeconds(1);

    final ModelService maas;
    final ModelRepository repository;
    final Directory directory;
    final AccessPolicy policy;
    final AuditLog audit;
    final MarketStore store;
    final UsageRecorder usage;
    final QuotaLimiter quotas;
    final Catalog catalog;
    final Clock clock;
    private final Cache<DecisionKey, Decision> decisions;
    private final ScheduledExecutorService flusher;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Marketplace(Builder b) {
        this.maas = b.maas;
        this.repository = b.maas.repository();
        this.directory = b.directory != null ? b.directory : new RepositoryDirectory(repository);
        this.policy = b.policy;
        this.clock = b.clock;
        if (b.audit != null) {
            this.audit = b.audit;
        } else if (repository instanceof FileSystemModelRepository fs) {
            this.audit = new FileAuditLog(fs.root().resolve("audit"), b.clock);
        } else if (repository.auditLog().isPresent()) {
            this.audit = repository.auditLog().get();
        } else {
            throw new IllegalArgumentException(
                    "a repository other than a folder needs an audit log: Builder.auditLog(...)");
        }
        this.store = new MarketStore(repository);
        this.usage = new UsageRecorder(b.clock);
        this.quotas = new QuotaLimiter();
        this.catalog = new Catalog();
        this.decisions =
                Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(DECISION_TTL).build();
        this.flusher =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "maas-usage-flush");
                            t.setDaemon(true);
                            return t;
                        });
        long every = b.usageFlushInterval.toMillis();
        flusher.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /** Returns a builder for a marketplace over {@code maas}. */
    public static Builder builder(ModelService maas) {
        return new Builder(maas);
    }

    /** Returns a session acting for {@code principal}, as the host application says it is. */
    public ModelSession as(Principal principal) {
        checkOpen();
        return new ModelSession(this, Objects.requireNonNull(principal, "principal"));
    }

    /**
     * Returns a session acting for the principal {@code id}, with the teams the directory gives it.
     *
     * @throws dev.maas.access.UnknownPrincipalException if the directory does not know it
     */
    public ModelSession as(String id) {
        return as(directory.principal(id));
    }

    /** Returns the directory of principals and teams. */
    public Directory directory() {
        return directory;
    }

    /** Returns the audit log. */
    public AuditLog auditLog() {
        return audit;
    }

    // ---- decisions ----

    /** What a principal may do on a model, and under which quota it calls it. */
    record Decision(Permission permission, Grantee quotaHolder, Quota quota) {
        static final Decision NONE = new Decision(null, null, Quota.NONE);
    }

    private record DecisionKey(Principal principal, String model) {}

    /** Returns what {@code who} may do on {@code model} now (cached for a second). */
    Decision decide(Principal who, String model) {
        return decisions.get(new DecisionKey(who, model), k -> decideNow(who, model));
    }

    private Decision decideNow(Principal who, String model) {
        ModelAccess access = access(model);
        if (access == null) {
            return Decision.NONE;
        }
        Permission p = policy.permission(who, access);
        if (p == null) {
            return Decision.NONE;
        }
        // The quota of the grant naming the principal wins over its teams' (first by name).
        Grant quotaGrant =
                access.grants().stream()
                        .filter(g -> g.grantee().covers(who) && g.quota().isLimited())
                        .min(
                                Comparator.comparing(
                                                (Grant g) ->
                                                        g.grantee().kind() == Grantee.Kind.PRINCIPAL
                                                                ? 0
                                                                : 1)
                                        .thenComparing(g -> g.grantee().name()))
                        .orElse(null);
        return quotaGrant == null
                ? new Decision(p, null, Quota.NONE)
                : new Decision(p, quotaGrant.grantee(), quotaGrant.quota());
    }

    /** Forgets cached decisions about {@code model}, after its grants or cards changed. */
    void changed(String model) {
        decisions.asMap().keySet().removeIf(k -> k.model().equals(model));
        lifecycles.invalidate(model);
    }

    /** Returns what the policy needs to know of a model, or null if it does not exist. */
    ModelAccess access(String model) {
        ModelCard latest;
        try {
            latest = repository.resolve(ModelRef.latest(model));
        } catch (ModelNotFoundException e) {
            return null;
        } catch (MaasException e) {
            // Its latest card cannot be read: only grants and no visibility decide.
            LOG.warn("deciding access to '{}' without its latest card: {}", model, e.getMessage());
            return new ModelAccess(model, null, Visibility.PRIVATE, store.grants(model));
        }
        return new ModelAccess(model, latest.owner(), latest.visibility(), store.grants(model));
    }

    /**
     * Returns a model's lifecycle as calls see it (active if it has none stored): cached for {@link
     * #DECISION_TTL} like decisions, so that calls do not read the repository each time, and
     * forgotten at once on changes made through this marketplace.
     */
    Lifecycle lifecycle(String model) {
        return lifecycles.get(model, store::lifecycle);
    }

    /** (principal, model:version) pairs already warned of a deprecation. */
    private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Logs, once per principal and version, that a caller uses a deprecated version. */
    void warnIfDeprecated(Principal who, String model, int version) {
        Lifecycle life = lifecycle(model);
        String message = life.deprecations().get(version);
        if (message != null && warned.add(who.id() + " " + model + ":" + version)) {
            LOG.warn(
                    "principal '{}' calls {}:{}, which is deprecated: {}",
                    who.id(),
                    model,
                    version,
                    message);
        }
    }

    /** Lifecycles as calls see them, refreshed like decisions. */
    private final Cache<String, Lifecycle> lifecycles =
            Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(DECISION_TTL).build();

    void logBroken(String model, MaasException e) {
        LOG.warn("model '{}' left out: {}", model, e.getMessage());
    }

    // ---- usage ----

    /** Adds the usage counted since the last flush to the repository. */
    public void flushUsage() {
        Map<String, List<UsageRow>> byModel =
                usage.drain().stream().collect(Collectors.groupingBy(UsageRow::model));
        RuntimeException failure = null;
        for (Map.Entry<String, List<UsageRow>> e : byModel.entrySet()) {
            try {
                store.addUsage(e.getKey(), e.getValue());
            } catch (ModelNotFoundException gone) {
                LOG.debug("usage of deleted model '{}' dropped", e.getKey());
            } catch (RuntimeException failed) {
                usage.restore(e.getValue()); // kept for the next flush: nothing is lost
                if (failure == null) {
                    failure = failed;
                } else {
                    failure.addSuppressed(failed);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void flushQuietly() {
        try {
            flushUsage();
        } catch (RuntimeException e) {
            LOG.warn("cannot store usage counts (kept for the next try): {}", e.getMessage());
        }
    }

    /**
     * Returns the calls recorded for {@code model} as stored; call {@link #flushUsage()} first to
     * include this process's latest calls.
     */
    long storedUsage(String model) {
        long stored = 0;
        try {
            for (UsageRow r : store.usage(model)) {
                stored += r.count();
            }
        } catch (ModelNotFoundException e) {
            return 0;
        }
        return stored;
    }

    void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("marketplace is closed");
        }
    }

    /** Stores the usage counted so far and stops the periodic flush. Safe to call twice. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            flusher.shutdownNow();
            flushQuietly();
        }
    }

    /** Builds a {@link Marketplace}. Not thread-safe. */
    public static final class Builder {
        private final ModelService maas;
        private Directory directory;
        private AccessPolicy policy = AccessPolicy.DEFAULT;
        private AuditLog audit;
        private Clock clock = Clock.systemUTC();
        private Duration usageFlushInterval = Duration.ofSeconds(10);

        private Builder(ModelService maas) {
            this.maas = Objects.requireNonNull(maas, "maas");
        }

        /** Uses {@code directory} for principals and teams (default: kept in the repository). */
        public Builder directory(Directory directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Decides access with {@code policy} (default {@link AccessPolicy#DEFAULT}). */
        public Builder accessPolicy(AccessPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Records administration in {@code audit} (default: {@code <root>/audit}). */
        public Builder auditLog(AuditLog audit) {
            this.audit = Objects.requireNonNull(audit, "audit");
            return this;
        }

        /** Takes time from {@code clock} (audit entries, usage days, request times). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Adds counted usage to the repository this often (default 10 seconds).
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder usageFlushInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException(
                        "usage flush interval must be positive, was " + interval);
            }
            this.usageFlushInterval = interval;
            return this;
        }

        /** Builds the marketplace. */
        public Marketplace build() {
            return new Marketplace(this);
        }
    }
}
