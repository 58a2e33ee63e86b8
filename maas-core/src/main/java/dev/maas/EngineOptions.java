package dev.maas;

import ai.djl.Device;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Options passed to engine backends when they load a model: the device and engine-specific settings
 * such as thread counts or the graph optimizer. Immutable and thread-safe.
 *
 * <p>Recognised keys (each backend ignores what it does not know, and per-model card properties
 * with the same keys take precedence): {@value #INTER_OP_THREADS}, {@value #INTRA_OP_THREADS},
 * {@value #GRAPH_OPTIMIZER}; anything else is passed to DJL's {@code Criteria.optOption}.
 *
 * @param device where models run; {@code null} means the engine's default (CPU here)
 * @param options engine settings, by key
 */
public record EngineOptions(Device device, Map<String, String> options) {
    /** Threads used between operators (PyTorch {@code interop}, ONNX and TensorFlow inter-op). */
    public static final String INTER_OP_THREADS = "interOpThreads";

    /** Threads used inside one operator. */
    public static final String INTRA_OP_THREADS = "intraOpThreads";

    /**
     * Whether the engine's graph optimizer runs ({@code true}/{@code false}): PyTorch's JIT
     * optimizer, TensorFlow's Grappler.
     */
    public static final String GRAPH_OPTIMIZER = "graphOptimizer";

    /** Copies the options. */
    public EngineOptions {
        options = java.util.Collections.unmodifiableMap(new TreeMap<>(options));
    }

    /** Returns the defaults: engine default device, no options. */
    public static EngineOptions defaults() {
        return new EngineOptions(null, Map.of());
    }

    /** Returns a copy with {@code key} set to {@code value}. */
    public EngineOptions with(String key, String value) {
        Map<String, String> copy = new TreeMap<>(options);
        copy.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return new EngineOptions(device, copy);
    }

    /** Returns a copy that runs on {@code device}. */
    public EngineOptions withDevice(Device device) {
        return new EngineOptions(device, options);
    }

    /**
     * Returns these options overridden by a card's properties: a property takes precedence when its
     * key is one of the recognised keys ({@value #INTER_OP_THREADS}, {@value #INTRA_OP_THREADS},
     * {@value #GRAPH_OPTIMIZER}) or is already set in these options. Other card properties are not
     * engine options and are left out.
     */
    public EngineOptions mergedWith(Map<String, String> cardProperties) {
        Map<String, String> copy = new TreeMap<>(options);
        for (Map.Entry<String, String> e : cardProperties.entrySet()) {
            if (RECOGNISED.contains(e.getKey()) || copy.containsKey(e.getKey())) {
                copy.put(e.getKey(), e.getValue());
            }
        }
        return new EngineOptions(device, copy);
    }

    private static final java.util.Set<String> RECOGNISED =
            java.util.Set.of(INTER_OP_THREADS, INTRA_OP_THREADS, GRAPH_OPTIMIZER);
}
