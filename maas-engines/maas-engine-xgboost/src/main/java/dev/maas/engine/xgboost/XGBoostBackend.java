package dev.maas.engine.xgboost;

import dev.maas.EngineOptions;
import dev.maas.EngineUnavailableException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.TensorSpec;
import dev.maas.spi.EngineBackend;
import dev.maas.spi.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Serves gradient-boosted tree models in XGBoost's standard model files through XGBoost's own JVM
 * package ({@code ml.dmlc:xgboost4j_2.12}, natives in its jar). Engine name {@value #ENGINE};
 * formats {@value #JSON} (a {@code .json} model file) and {@value #UBJ} (a {@code .ubj} file), as
 * written by {@code Booster.save_model} in Python or {@code Booster.saveModel} on the JVM. A
 * version holds one such file, or the card property {@value #MODEL_FILE} names it.
 *
 * <p>The model takes one float32 input of shape {@code (rows, features)} and returns one float32
 * output {@code (rows, outputs)}: the probability for {@code binary:logistic}, one column per class
 * for {@code multi:softprob}, the value for regression. If the card declares an input, its last
 * dimension must be the model's feature count (checked at load). Card properties: {@value
 * #FEATURES} (comma-separated feature names, used in error messages; their count must match) and
 * {@value #ALLOW_MISSING} ({@code true} by default: NaN means "missing", as in XGBoost; {@code
 * false} rejects NaN). Infinite values are always rejected. Errors name the row and feature.
 *
 * <p>Calls are batched by maas like any model. Each concurrent call uses its own XGBoost booster.
 * Thread-safe.
 */
public final class XGBoostBackend implements EngineBackend {
    /** The engine's name in model cards. */
    public static final String ENGINE = "XGBoost";

    /** Format of XGBoost JSON model files. */
    public static final String JSON = "xgboost-json";

    /** Format of XGBoost UBJSON (binary JSON) model files. */
    public static final String UBJ = "xgboost-ubj";

    /** Card property naming the model file when a version holds several candidates. */
    public static final String MODEL_FILE = "modelFile";

    /** Card property: comma-separated feature names, in input order. */
    public static final String FEATURES = "features";

    /** Card property: whether NaN (missing) feature values are accepted; default {@code true}. */
    public static final String ALLOW_MISSING = "xgboost.allowMissing";

    static final String XGBOOST_VERSION = "3.4.0";

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public XGBoostBackend() {}

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Set<String> formats() {
        return Set.of(JSON, UBJ);
    }

    @Override
    public Optional<String> detectFormat(Path versionDir) {
        if (!candidates(versionDir, ".ubj").isEmpty()) {
            return Optional.of(UBJ);
        }
        // A JSON model file is only claimed when its top level has XGBoost's "learner" key.
        for (Path p : candidates(versionDir, ".json")) {
            try {
                String head = Files.readString(p).substring(0, (int) Math.min(4096, Files.size(p)));
                if (head.contains("\"learner\"")) {
                    return Optional.of(JSON);
                }
            } catch (IOException | RuntimeException e) {
                // not ours
            }
        }
        return Optional.empty();
    }

    @Override
    public LoadedModel load(ModelCard card, Path versionDir, EngineOptions options) {
        String what = card.name() + ":" + card.version() + " (" + card.format() + ")";
        String suffix;
        if (JSON.equals(card.format())) {
            suffix = ".json";
        } else if (UBJ.equals(card.format())) {
            suffix = ".ubj";
        } else {
            throw new MalformedModelException(
                    "engine XGBoost cannot load format '"
                            + card.format()
                            + "' of model "
                            + card.ref()
                            + "; it loads "
                            + List.of(JSON, UBJ));
        }
        Path file = modelFile(card, versionDir, suffix, what);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new MalformedModelException("cannot read model " + what + ": " + e, e);
        }
        Booster booster = loadBooster(bytes, what);
        boolean ok = false;
        try {
            int features = numFeatures(booster, what);
            List<String> names = featureNames(card, features, what);
            checkInputSpec(card, features, what);
            boolean allowMissing = allowMissing(card, options, ALLOW_MISSING, what);
            BoosterPool pool = new BoosterPool(card.ref().toString(), bytes, booster);
            int outputs = outputWidth(pool, features, what);
            TreeModel model =
                    new TreeModel(
                            card,
                            pool,
                            new TreeBlock(
                                    card.ref().toString(),
                                    pool,
                                    features,
                                    outputs,
                                    ALLOW_MISSING,
                                    allowMissing,
                                    names),
                            bytes.length,
                            features,
                            outputs);
            ok = true;
            return model;
        } finally {
            if (!ok) {
                booster.dispose();
            }
        }
    }

    private static Booster loadBooster(byte[] bytes, String what) {
        try {
            return BoosterPool.load(what, bytes);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new EngineUnavailableException(
                    "engine XGBoost could not start its natives: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new MalformedModelException(
                    "engine XGBoost cannot load model "
                            + what
                            + ": "
                            + firstLine(
                                    String.valueOf(
                                            e.getCause() == null
                                                    ? e.getMessage()
                                                    : e.getCause().getMessage())),
                    e);
        }
    }

    static String firstLine(String msg) {
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }

    private static int numFeatures(Booster booster, String what) {
        try {
            long n = booster.getNumFeature();
            if (n <= 0 || n > Integer.MAX_VALUE) {
                throw new MalformedModelException("model " + what + " has " + n + " features");
            }
            return (int) n;
        } catch (XGBoostError e) {
            throw new MalformedModelException(
                    "model " + what + ": cannot read its feature count: " + e.getMessage(), e);
        }
    }

    static List<String> featureNames(ModelCard card, int features, String what) {
        String list = card.properties().get(FEATURES);
        if (list == null || list.isBlank()) {
            return List.of();
        }
        List<String> names = Arrays.stream(list.split(",")).map(String::trim).toList();
        if (names.size() != features) {
            throw new MalformedModelException(
                    "model "
                            + what
                            + " names "
                            + names.size()
                            + " features in its card property '"
                            + FEATURES
                            + "', but the model file has "
                            + features);
        }
        return names;
    }

    static void checkInputSpec(ModelCard card, int features, String what) {
        if (card.inputs().isEmpty()) {
            return;
        }
        if (card.inputs().size() != 1) {
            throw new MalformedModelException(
                    "model "
                            + what
                            + " declares "
                            + card.inputs().size()
                            + " inputs; a tree model"
                            + " takes one (rows, features) array");
        }
        TensorSpec in = card.inputs().get(0);
        long[] dims = in.shape().getShape();
        if (dims.length != 2 || dims[1] != features) {
            throw new MalformedModelException(
                    "model "
                            + what
                            + " declares input "
                            + in
                            + ", but the model file has "
                            + features
                            + " features: expected shape (-1, "
                            + features
                            + ")");
        }
    }

    static boolean allowMissing(
            ModelCard card, EngineOptions options, String property, String what) {
        String v = card.properties().get(property);
        if (v == null) {
            v = options.options().getOrDefault(property, "true");
        }
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new MalformedModelException(
                    "model " + what + ": " + property + " must be true or false, was '" + v + "'");
        }
        return s.equals("true");
    }

    private static int outputWidth(BoosterPool pool, int features, String what) {
        float[] row = new float[features];
        Arrays.fill(row, Float.NaN);
        Booster b = pool.borrow();
        try {
            return b.inplace_predict(row, 1, features, Float.NaN)[0].length;
        } catch (XGBoostError e) {
            throw new MalformedModelException(
                    "model " + what + " cannot predict: " + e.getMessage(), e);
        } finally {
            pool.giveBack(b);
        }
    }

    static Path modelFile(ModelCard card, Path versionDir, String suffix, String what) {
        String named = card.properties().get(MODEL_FILE);
        if (named != null) {
            Path file = versionDir.resolve(ModelPackage.checkRelativePath(named));
            if (!Files.isRegularFile(file)) {
                throw new MalformedModelException(
                        "model "
                                + what
                                + " names '"
                                + named
                                + "' in its card property '"
                                + MODEL_FILE
                                + "', but the version has no such file");
            }
            return file;
        }
        List<Path> found = candidates(versionDir, suffix);
        if (found.size() == 1) {
            return found.get(0);
        }
        throw new MalformedModelException(
                "model "
                        + what
                        + (found.isEmpty()
                                ? " has no " + suffix + " model file"
                                : " has several "
                                        + suffix
                                        + " files "
                                        + found.stream()
                                                .map(p -> p.getFileName().toString())
                                                .toList()
                                        + "; name one in the card property '"
                                        + MODEL_FILE
                                        + "'"));
    }

    /** The files directly in {@code dir} ending with {@code suffix}, the card excepted. */
    static List<Path> candidates(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix))
                    .filter(f -> !f.getFileName().toString().equals(ModelPackage.CARD_FILE))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
