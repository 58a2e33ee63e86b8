package dev.maas;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.spi.EngineBackend;
import dev.maas.spi.LoadedModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real {@link PyTorchBackend}, with counters around it: how often {@link #load} ran and which
 * loaded models were closed, in order. The engine does all the work; this only observes.
 * Thread-safe.
 */
final class CountingBackend implements EngineBackend {
    private final PyTorchBackend engine = new PyTorchBackend();
    final AtomicInteger loadCalls = new AtomicInteger();
    final AtomicInteger concurrentLoads = new AtomicInteger();
    final AtomicInteger maxConcurrentLoads = new AtomicInteger();

    /** Every model this backend returned, in load order. */
    final List<CountingModel> loaded = new CopyOnWriteArrayList<>();

    /** What happened, in order: "load m:1", "close m:1". */
    final List<String> events = new CopyOnWriteArrayList<>();

    /** Runs at the start of every load, before the engine; tests use it to hold a load. */
    volatile Runnable beforeLoad = () -> {};

    @Override
    public String engine() {
        return engine.engine();
    }

    @Override
    public Set<String> formats() {
        return engine.formats();
    }

    @Override
    public Optional<String> detectFormat(Path versionDir) {
        return engine.detectFormat(versionDir);
    }

    @Override
    public LoadedModel load(ModelCard card, Path versionDir, EngineOptions options) {
        loadCalls.incrementAndGet();
        beforeLoad.run();
        maxConcurrentLoads.accumulateAndGet(concurrentLoads.incrementAndGet(), Math::max);
        try {
            CountingModel model = new CountingModel(engine.load(card, versionDir, options));
            loaded.add(model);
            events.add("load " + card.ref());
            return model;
        } finally {
            concurrentLoads.decrementAndGet();
        }
    }

    /** Returns how many models of {@code ref} were closed. */
    int closes(ModelRef ref) {
        return (int)
                loaded.stream()
                        .filter(m -> m.card().ref().equals(ref))
                        .mapToInt(m -> m.closes.get())
                        .sum();
    }

    /** Returns how many models of {@code ref} were loaded. */
    int loads(ModelRef ref) {
        return (int) loaded.stream().filter(m -> m.card().ref().equals(ref)).count();
    }

    /** A loaded PyTorch model that counts its closes. */
    final class CountingModel implements LoadedModel {
        private final LoadedModel delegate;
        final AtomicInteger closes = new AtomicInteger();
        final Set<Thread> closedOn = ConcurrentHashMap.newKeySet();

        CountingModel(LoadedModel delegate) {
            this.delegate = delegate;
        }

        @Override
        public ModelCard card() {
            return delegate.card();
        }

        @Override
        public Model djlModel() {
            return delegate.djlModel();
        }

        @Override
        public Predictor<NDList, NDList> newPredictor() {
            return delegate.newPredictor();
        }

        @Override
        public long sizeBytes() {
            return delegate.sizeBytes();
        }

        @Override
        public <T> Optional<T> unwrap(Class<T> type) {
            return type.isInstance(this) ? Optional.of(type.cast(this)) : delegate.unwrap(type);
        }

        @Override
        public void close() {
            if (closes.incrementAndGet() == 1) {
                events.add("close " + card().ref());
            }
            closedOn.add(Thread.currentThread());
            delegate.close();
        }

        boolean isClosed() {
            return closes.get() > 0;
        }
    }
}
