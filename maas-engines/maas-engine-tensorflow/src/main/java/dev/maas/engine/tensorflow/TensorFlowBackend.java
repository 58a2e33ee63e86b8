package dev.maas.engine.tensorflow;

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.tensorflow.engine.javacpp.JavacppUtils;
import dev.maas.EngineOptions;
import dev.maas.ModelCard;
import dev.maas.spi.AbstractDjlBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * Loads TensorFlow SavedModels (a folder holding {@code saved_model.pb} and {@code variables/})
 * with DJL's TensorFlow engine. Registered through {@code META-INF/services}; users do not call it
 * directly.
 *
 * <p>Before the engine first starts, the TensorFlow natives bundled in {@code
 * org.tensorflow:tensorflow-core-native} are extracted once into DJL's cache and DJL is pointed at
 * them, so no download happens (see the package documentation).
 *
 * <p>{@link EngineOptions} understood: the device, {@value EngineOptions#INTER_OP_THREADS} and
 * {@value EngineOptions#INTRA_OP_THREADS} (the session's thread pools), {@value
 * EngineOptions#GRAPH_OPTIMIZER} ({@code false} turns off Grappler and the classic graph
 * optimizations); other keys reach DJL's {@code TfModel} as criteria options ({@code Tags}, {@code
 * SignatureDefKey}, {@code ConfigProto}, {@code RunOptions}). A {@code ConfigProto} option given by
 * the user wins over the thread and optimizer settings.
 *
 * <p>Thread-safe.
 */
public final class TensorFlowBackend extends AbstractDjlBackend {
    /** The engine name used in model cards. */
    public static final String ENGINE = "TensorFlow";

    /** The SavedModel format. */
    public static final String SAVED_MODEL = "savedmodel";

    static final String SAVED_MODEL_FILE = "saved_model.pb";
    static final String CONFIG_PROTO_OPTION = "ConfigProto";

    /** Creates the backend; called by {@link java.util.ServiceLoader}. */
    public TensorFlowBackend() {}

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Set<String> formats() {
        return Set.of(SAVED_MODEL);
    }

    /** Recognises a SavedModel: {@code saved_model.pb} at the top of the version folder. */
    @Override
    public Optional<String> detectFormat(Path versionDir) {
        return Files.isRegularFile(versionDir.resolve(SAVED_MODEL_FILE))
                ? Optional.of(SAVED_MODEL)
                : Optional.empty();
    }

    /**
     * Extracts the bundled natives and sets {@code TENSORFLOW_LIBRARY_PATH}, once per JVM.
     *
     * @throws dev.maas.EngineUnavailableException if no natives for this platform are on the class
     *     path
     */
    @Override
    protected void prepareEngine() {
        TensorFlowNatives.prepare(TensorFlowBackend.class.getClassLoader());
    }

    @Override
    protected void configure(
            Criteria.Builder<NDList, NDList> builder,
            ModelCard card,
            Path versionDir,
            EngineOptions options) {
        if (!Files.isRegularFile(versionDir.resolve(SAVED_MODEL_FILE))) {
            throw new dev.maas.MalformedModelException(
                    "model "
                            + card.ref()
                            + " has no "
                            + SAVED_MODEL_FILE
                            + " at the top of its files; a TensorFlow SavedModel folder is"
                            + " expected");
        }
        // The version folder is named after the version number, so TfModel's prefix lookup
        // (a file or folder named like the model) must not pick anything else up.
        builder.optModelName(SAVED_MODEL_FILE);
        String config = sessionConfig(options);
        if (config != null && !options.options().containsKey(CONFIG_PROTO_OPTION)) {
            builder.optOption(CONFIG_PROTO_OPTION, config);
        }
    }

    /**
     * Returns DJL's default session configuration with the thread and optimizer options applied,
     * encoded as the {@code ConfigProto} criteria option expects (Base64), or {@code null} when no
     * such option is set.
     *
     * @throws IllegalArgumentException if a thread count is not a non-negative integer
     */
    static String sessionConfig(EngineOptions options) {
        String inter = options.options().get(EngineOptions.INTER_OP_THREADS);
        String intra = options.options().get(EngineOptions.INTRA_OP_THREADS);
        String optimizer = options.options().get(EngineOptions.GRAPH_OPTIMIZER);
        if (inter == null && intra == null && optimizer == null) {
            return null;
        }
        ConfigProto.Builder config = JavacppUtils.getSessionConfig().toBuilder();
        if (inter != null) {
            config.setInterOpParallelismThreads(threads(EngineOptions.INTER_OP_THREADS, inter));
        }
        if (intra != null) {
            config.setIntraOpParallelismThreads(threads(EngineOptions.INTRA_OP_THREADS, intra));
        }
        if (optimizer != null && !Boolean.parseBoolean(optimizer)) {
            var graph = config.getGraphOptionsBuilder();
            graph.getOptimizerOptionsBuilder().setOptLevel(OptimizerOptions.Level.L0);
            graph.getRewriteOptionsBuilder()
                    .setDisableMetaOptimizer(true)
                    .setConstantFolding(RewriterConfig.Toggle.OFF);
        }
        return Base64.getEncoder().encodeToString(config.build().toByteArray());
    }

    private static int threads(String key, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "engine option "
                        + key
                        + " must be an integer >= 0 (0: TensorFlow decides), was '"
                        + value
                        + "'");
    }
}
