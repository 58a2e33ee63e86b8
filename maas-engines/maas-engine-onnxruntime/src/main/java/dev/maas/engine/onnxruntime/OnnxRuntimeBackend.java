package dev.maas.engine.onnxruntime;

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import dev.maas.EngineOptions;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.spi.AbstractDjlBackend;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs ONNX models on ONNX Runtime through DJL. Engine name {@value #ENGINE}, format {@value
 * #ONNX}: one {@code .onnx} file in the version (or the file named by the card property {@value
 * #MODEL_FILE}).
 *
 * <p>Engine options become ONNX Runtime session options of each model: {@link
 * EngineOptions#INTER_OP_THREADS} and {@link EngineOptions#INTRA_OP_THREADS} set the session's
 * thread pools ({@code interOpNumThreads}, {@code intraOpNumThreads}); {@link
 * EngineOptions#GRAPH_OPTIMIZER} {@code false} turns graph optimisations off ({@code
 * optLevel=NO_OPT}), {@code true} keeps ONNX Runtime's default ({@code ALL_OPT}). DJL's own keys
 * ({@code optLevel}, {@code executionMode}, {@code memoryPatternOptimization}, {@code
 * ortDevice}...) pass through unchanged and win over the mapped ones. Inputs are matched to the
 * graph's inputs by name when the arrays have names, by position otherwise.
 *
 * <p>Thread-safe.
 */
public final class OnnxRuntimeBackend extends AbstractDjlBackend {
    /** The engine's name in model cards. */
    public static final String ENGINE = "OnnxRuntime";

    /** Format of ONNX models ({@code .onnx}). */
    public static final String ONNX = "onnx";

    /** Card property naming the {@code .onnx} file when a version holds several. */
    public static final String MODEL_FILE = "modelFile";

    static final String INTER_OP = "interOpNumThreads";
    static final String INTRA_OP = "intraOpNumThreads";
    static final String OPT_LEVEL = "optLevel";

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public OnnxRuntimeBackend() {}

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Set<String> formats() {
        return Set.of(ONNX);
    }

    @Override
    public Optional<String> detectFormat(Path versionDir) {
        return hasFileEndingWith(versionDir, ".onnx") ? Optional.of(ONNX) : Optional.empty();
    }

    @Override
    protected void configure(
            Criteria.Builder<NDList, NDList> builder,
            ModelCard card,
            Path versionDir,
            EngineOptions options) {
        if (!ONNX.equals(card.format())) {
            throw new MalformedModelException(
                    "engine OnnxRuntime cannot load format '"
                            + card.format()
                            + "' of model "
                            + card.ref()
                            + "; it loads "
                            + formats());
        }
        Path file = findArtifact(card, versionDir, ".onnx", MODEL_FILE);
        builder.optModelName(modelName(versionDir, file, ".onnx"));
        sessionOptions(options).forEach(builder::optOption);
    }

    /**
     * Returns the DJL session options for {@code options}: the maas keys mapped to ONNX Runtime's,
     * unless {@code options} sets ONNX Runtime's key itself.
     *
     * @throws IllegalArgumentException if a thread count is not a positive integer or the graph
     *     optimizer option is not a boolean
     */
    static Map<String, String> sessionOptions(EngineOptions options) {
        Map<String, String> given = options.options();
        Map<String, String> mapped = new java.util.TreeMap<>();
        putThreads(mapped, given, EngineOptions.INTER_OP_THREADS, INTER_OP);
        putThreads(mapped, given, EngineOptions.INTRA_OP_THREADS, INTRA_OP);
        String optimizer = given.get(EngineOptions.GRAPH_OPTIMIZER);
        if (optimizer != null && !given.containsKey(OPT_LEVEL)) {
            String v = optimizer.trim().toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException(
                        "engine option "
                                + EngineOptions.GRAPH_OPTIMIZER
                                + " must be true or false, was '"
                                + optimizer
                                + "'");
            }
            mapped.put(OPT_LEVEL, v.equals("true") ? "ALL_OPT" : "NO_OPT");
        }
        return mapped;
    }

    private static void putThreads(
            Map<String, String> mapped, Map<String, String> given, String key, String ortKey) {
        String value = given.get(key);
        if (value == null || given.containsKey(ortKey)) {
            return;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                mapped.put(ortKey, Integer.toString(n));
                return;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "engine option " + key + " must be a positive integer, was '" + value + "'");
    }
}
