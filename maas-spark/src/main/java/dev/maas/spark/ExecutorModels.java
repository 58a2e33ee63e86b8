package dev.maas.spark;

import dev.maas.ModelService;
import dev.maas.StoreStats;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ModelService}s of this JVM, one per {@link RepositoryLocation}, shared by every Spark
 * task that runs here. Spark runs many tasks (one per partition) in one executor JVM, on several
 * threads and one after the other; through this registry they all reach one service, whose model
 * store loads each model version once and keeps it for the next tasks. A model version is therefore
 * loaded once per executor JVM, not once per task or partition. In local mode the driver's JVM is
 * the executor, so the driver's checks and the tasks share the same service.
 *
 * <p>The services live as long as the JVM (executors end with their application); {@link
 * #closeAll()} closes them earlier. Thread-safe.
 */
public final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<String, ModelService> SERVICES = new ConcurrentHashMap<>();
    private static final AtomicInteger OPENED = new AtomicInteger();
    private static final AtomicInteger FAILURES = new AtomicInteger();

    private ExecutorModels() {}

    /** Returns this JVM's service for {@code location}, opening it on first use. */
    public static ModelService service(RepositoryLocation location) {
        Objects.requireNonNull(location, "location");
        return SERVICES.computeIfAbsent(
                location.key(),
                k -> {
                    OPENED.incrementAndGet();
                    LOG.debug("Opening the model service of {} in this JVM", location);
                    return location.open();
                });
    }

    /**
     * Returns the model store counters of this JVM's service for {@code location} (loads, hits,
     * misses), or {@code null} if no task of this JVM has used it.
     */
    public static StoreStats stats(RepositoryLocation location) {
        ModelService s = SERVICES.get(location.key());
        return s == null ? null : s.storeStats();
    }

    /** Returns how many services this JVM has opened since it started. */
    public static int servicesOpened() {
        return OPENED.get();
    }

    /**
     * Returns how many times a task of this JVM failed to load a model (each such failure is an
     * {@link ExecutorFailureException}).
     */
    public static int loadFailures() {
        return FAILURES.get();
    }

    static void recordFailure() {
        FAILURES.incrementAndGet();
    }

    /** Closes every service of this JVM; later calls open new ones. */
    public static void closeAll() {
        for (String key : SERVICES.keySet()) {
            ModelService s = SERVICES.remove(key);
            if (s != null) {
                s.close();
            }
        }
    }
}
