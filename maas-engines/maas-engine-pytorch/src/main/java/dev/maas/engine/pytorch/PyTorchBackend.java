package dev.maas.engine.pytorch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.nn.BlockFactory;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.maas.EngineOptions;
import dev.maas.EngineUnavailableException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.spi.AbstractDjlBackend;
import dev.maas.spi.DjlLoadedModel;
import dev.maas.spi.LoadedModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs models on PyTorch (libtorch through DJL). Engine name {@value #ENGINE}; formats:
 *
 * <ul>
 *   <li>{@value #TORCHSCRIPT}: a TorchScript archive, one {@code .pt} file in the version (or the
 *       file named by the card property {@value #MODEL_FILE});
 *   <li>{@value #DJL}: a DJL-native model, parameters in {@code <prefix>-NNNN.params} (the highest
 *       epoch is used) and the architecture built by a {@link BlockFactory} whose class, on the
 *       application's class path, is named in the card property {@value #BLOCK_FACTORY}. All card
 *       properties reach the factory as loading arguments, so it can read layer sizes from them.
 * </ul>
 *
 * <p>Engine options: {@link EngineOptions#INTER_OP_THREADS} and {@link
 * EngineOptions#INTRA_OP_THREADS} size PyTorch's thread pools, which are process-wide: they apply
 * when the first model starts the engine (as DJL's {@code ai.djl.pytorch.num_interop_threads} and
 * {@code ai.djl.pytorch.num_threads} system properties, unless those are already set), later
 * differing values are logged and ignored. {@link EngineOptions#GRAPH_OPTIMIZER} switches the
 * TorchScript graph executor's optimizer per model (it is a per-thread setting in PyTorch, so it is
 * set before every call); turn it off when batch sizes vary a lot, as each new input shape
 * otherwise triggers a slow re-optimisation. DJL's JVM-wide {@code ai.djl.pytorch.graph_optimizer}
 * system property, when set, takes precedence. The device comes from {@link
 * EngineOptions#device()}.
 *
 * <p>Thread-safe.
 */
public final class PyTorchBackend extends AbstractDjlBackend {
    private static final Logger LOG = LoggerFactory.getLogger(PyTorchBackend.class);

    /** The engine's name in model cards. */
    public static final String ENGINE = "PyTorch";

    /** Format of TorchScript archives ({@code .pt}). */
    public static final String TORCHSCRIPT = "torchscript";

    /** Format of DJL-native models ({@code .params} plus a block factory). */
    public static final String DJL = "djl";

    /** Card property naming the {@link BlockFactory} class of a {@value #DJL} model. */
    public static final String BLOCK_FACTORY = "blockFactory";

    /** Card property naming the artifact file when a version holds several candidates. */
    public static final String MODEL_FILE = "modelFile";

    static final String INTEROP_PROPERTY = "ai.djl.pytorch.num_interop_threads";
    static final String INTRA_OP_PROPERTY = "ai.djl.pytorch.num_threads";

    private static final byte[] DJL_MAGIC = {'D', 'J', 'L', '@'};

    private static final Pattern PARAMS = Pattern.compile("(.+)-(\\d{4})\\.params");

    /** Guarded by the class: whether this JVM's PyTorch engine was started through here. */
    private static boolean started;

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public PyTorchBackend() {}

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Set<String> formats() {
        return Set.of(TORCHSCRIPT, DJL);
    }

    @Override
    public Optional<String> detectFormat(Path versionDir) {
        if (hasFileEndingWith(versionDir, ".pt")) {
            return Optional.of(TORCHSCRIPT);
        }
        if (!paramFiles(versionDir).isEmpty()) {
            return Optional.of(DJL);
        }
        return Optional.empty();
    }

    @Override
    protected void prepareEngine(EngineOptions options) {
        Integer interOp = threads(options, EngineOptions.INTER_OP_THREADS);
        Integer intraOp = threads(options, EngineOptions.INTRA_OP_THREADS);
        synchronized (PyTorchBackend.class) {
            if (!started) {
                // DJL reads these once, when the engine starts; a user's own -D settings win.
                if (interOp != null && System.getProperty(INTEROP_PROPERTY) == null) {
                    System.setProperty(INTEROP_PROPERTY, interOp.toString());
                }
                if (intraOp != null && System.getProperty(INTRA_OP_PROPERTY) == null) {
                    System.setProperty(INTRA_OP_PROPERTY, intraOp.toString());
                }
                try {
                    Engine.getEngine(ENGINE);
                } catch (RuntimeException | UnsatisfiedLinkError e) {
                    throw new EngineUnavailableException(
                            "engine PyTorch could not start (are the natives, such as"
                                    + " ai.djl.pytorch:pytorch-native-cpu, on the class path?): "
                                    + e.getMessage(),
                            e);
                }
                started = true;
            }
        }
        warnIfDifferent(EngineOptions.INTER_OP_THREADS, interOp, JniUtils.getNumInteropThreads());
        warnIfDifferent(EngineOptions.INTRA_OP_THREADS, intraOp, JniUtils.getNumThreads());
    }

    private static void warnIfDifferent(String key, Integer wanted, int actual) {
        if (wanted != null && wanted != actual) {
            LOG.warn(
                    "PyTorch thread pools are process-wide and already sized: {}={} is ignored,"
                            + " {} threads are in use",
                    key,
                    wanted,
                    actual);
        }
    }

    private static Integer threads(EngineOptions options, String key) {
        String value = options.options().get(key);
        if (value == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "engine option " + key + " must be a positive integer, was '" + value + "'");
    }

    @Override
    protected void configure(
            Criteria.Builder<NDList, NDList> builder,
            ModelCard card,
            Path versionDir,
            EngineOptions options) {
        String format = card.format();
        if (TORCHSCRIPT.equals(format)) {
            Path file = findArtifact(card, versionDir, ".pt", MODEL_FILE);
            builder.optModelName(modelName(versionDir, file, ".pt"));
        } else if (DJL.equals(format)) {
            String prefix = paramPrefix(card, versionDir);
            checkParamHeaders(card, versionDir, prefix);
            builder.optModelName(prefix);
            for (Map.Entry<String, String> p : card.properties().entrySet()) {
                builder.optArgument(p.getKey(), p.getValue());
            }
            builder.optArgument(BLOCK_FACTORY, blockFactory(card));
        } else {
            throw new MalformedModelException(
                    "engine PyTorch cannot load format '"
                            + format
                            + "' of model "
                            + card.ref()
                            + "; it loads "
                            + formats());
        }
    }

    @Override
    protected LoadedModel newLoadedModel(
            ModelCard card, ZooModel<NDList, NDList> model, long sizeBytes, EngineOptions options) {
        if (!TORCHSCRIPT.equals(card.format())) {
            if (!model.getBlock().isInitialized()) {
                // DJL skips parameter files it does not recognise instead of failing.
                throw new MalformedModelException(
                        "model "
                                + describe(card)
                                + ": no parameters were loaded into the block built by "
                                + card.properties().get(BLOCK_FACTORY));
            }
            // DJL-native blocks run eagerly: no graph executor to configure.
            return new DjlLoadedModel(card, model, sizeBytes, null);
        }
        boolean optimize = graphOptimizer(options);
        return new DjlLoadedModel(
                card, model, sizeBytes, null, new GraphOptimizerTranslator(optimize));
    }

    /**
     * Returns whether TorchScript's graph executor optimizes for a model loaded with {@code
     * options}: the {@link EngineOptions#GRAPH_OPTIMIZER} option, PyTorch's default (on) without
     * it.
     *
     * @throws IllegalArgumentException if the option is neither {@code true} nor {@code false}
     */
    static boolean graphOptimizer(EngineOptions options) {
        String value = options.options().get(EngineOptions.GRAPH_OPTIMIZER);
        if (value == null) {
            return true;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException(
                "engine option "
                        + EngineOptions.GRAPH_OPTIMIZER
                        + " must be true or false, was '"
                        + value
                        + "'");
    }

    private static BlockFactory blockFactory(ModelCard card) {
        String className = card.properties().get(BLOCK_FACTORY);
        if (className == null || className.isBlank()) {
            throw new MalformedModelException(
                    "model "
                            + describe(card)
                            + " is a DJL-native model but its card has no '"
                            + BLOCK_FACTORY
                            + "' property naming the BlockFactory class that builds its"
                            + " architecture");
        }
        // Only the application's class path is searched: classes shipped inside a model version
        // would let whoever publishes a model run code in every process that loads it.
        Class<?> type;
        try {
            type = Class.forName(className.trim(), true, classLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new MalformedModelException(
                    "model "
                            + describe(card)
                            + " names block factory "
                            + className
                            + ", which is not on the class path",
                    e);
        }
        if (!BlockFactory.class.isAssignableFrom(type)) {
            throw new MalformedModelException(
                    "model "
                            + describe(card)
                            + " names block factory "
                            + className
                            + ", which does not implement "
                            + BlockFactory.class.getName());
        }
        try {
            return (BlockFactory) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new MalformedModelException(
                    "model "
                            + describe(card)
                            + ": cannot create block factory "
                            + className
                            + " (it needs a public no-argument constructor): "
                            + e,
                    e);
        }
    }

    private static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : PyTorchBackend.class.getClassLoader();
    }

    private static String paramPrefix(ModelCard card, Path versionDir) {
        String named = card.properties().get(MODEL_FILE);
        if (named != null) {
            Matcher m = PARAMS.matcher(Path.of(named).getFileName().toString());
            if (!m.matches()) {
                throw new MalformedModelException(
                        "model "
                                + describe(card)
                                + ": card property '"
                                + MODEL_FILE
                                + "' must name a <prefix>-NNNN.params file, was '"
                                + named
                                + "'");
            }
            return m.group(1);
        }
        Set<String> prefixes =
                new TreeSet<>(
                        paramFiles(versionDir).stream()
                                .map(
                                        f -> {
                                            Matcher m = PARAMS.matcher(f);
                                            m.matches();
                                            return m.group(1);
                                        })
                                .toList());
        if (prefixes.size() == 1) {
            return prefixes.iterator().next();
        }
        throw new MalformedModelException(
                "model "
                        + describe(card)
                        + (prefixes.isEmpty()
                                ? " has no <prefix>-NNNN.params file"
                                : " has parameter files of several models "
                                        + prefixes
                                        + "; name one in the card property '"
                                        + MODEL_FILE
                                        + "'"));
    }

    /**
     * Checks that the parameter files of {@code prefix} start with DJL's magic bytes: DJL's reader
     * returns quietly on any other file and leaves the block without weights.
     */
    private static void checkParamHeaders(ModelCard card, Path versionDir, String prefix) {
        for (String name : paramFiles(versionDir)) {
            if (!name.startsWith(prefix + "-")) {
                continue;
            }
            byte[] head = new byte[4];
            int n;
            try (InputStream in = Files.newInputStream(versionDir.resolve(name))) {
                n = in.readNBytes(head, 0, 4);
            } catch (IOException e) {
                throw new MalformedModelException(
                        "model " + describe(card) + ": cannot read " + name, e);
            }
            if (n < 4 || !Arrays.equals(head, DJL_MAGIC)) {
                throw new MalformedModelException(
                        "model "
                                + describe(card)
                                + ": "
                                + name
                                + " is not a DJL parameter file (it does not start with"
                                + " 'DJL@')");
            }
        }
    }

    private static List<String> paramFiles(Path versionDir) {
        return filesEndingWith(versionDir, ".params").stream()
                .map(f -> f.getFileName().toString())
                .filter(n -> PARAMS.matcher(n).matches())
                .toList();
    }

    /**
     * Passes arrays through unchanged and, before each call, sets PyTorch's thread-local graph
     * executor optimisation for the calling thread. Thread-safe (immutable).
     */
    static final class GraphOptimizerTranslator implements Translator<NDList, NDList> {
        private final boolean optimize;

        GraphOptimizerTranslator(boolean optimize) {
            this.optimize = optimize;
        }

        boolean optimize() {
            return optimize;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, NDList input) {
            JniUtils.setGraphExecutorOptimize(optimize);
            return input;
        }

        @Override
        public NDList processOutput(TranslatorContext ctx, NDList list) {
            return list;
        }

        @Override
        public Batchifier getBatchifier() {
            return null;
        }
    }
}
