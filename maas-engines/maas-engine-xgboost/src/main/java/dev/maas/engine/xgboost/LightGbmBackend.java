package dev.maas.engine.xgboost;

import com.microsoft.ml.lightgbm.SWIGTYPE_p_void;
import dev.maas.EngineOptions;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.spi.EngineBackend;
import dev.maas.spi.LoadedModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Serves gradient-boosted tree models in LightGBM's standard text model files through LightGBM's
 * SWIG bindings ({@code com.microsoft.ml.lightgbm:lightgbmlib}, natives for x86-64 in its jar).
 * Engine name {@value #ENGINE}; format {@value #TEXT}: the {@code .txt} file written by {@code
 * Booster.save_model} in Python, {@code lgb.save} in R or {@code LGBM_BoosterSaveModel} in the C
 * API. A version holds one such file, or the card property {@value XGBoostBackend#MODEL_FILE} names
 * it.
 *
 * <p>The model takes one float32 input of shape {@code (rows, features)} and returns one float32
 * output {@code (rows, outputs)}: the probability for the {@code binary} objective, one column per
 * class for {@code multiclass}, the value for regression (LightGBM computes in double; maas returns
 * the values rounded to float32). If the card declares an input, its last dimension must be the
 * model's feature count (checked at load). Card properties: {@value XGBoostBackend#FEATURES}
 * (comma-separated feature names, used in error messages; their count must match) and {@value
 * #ALLOW_MISSING} ({@code true} by default: NaN means "missing", as in LightGBM; {@code false}
 * rejects NaN). Infinite values are always rejected. Errors name the row and feature.
 *
 * <p>Calls are batched by maas like any model. Each concurrent call uses its own LightGBM booster.
 * Thread-safe.
 */
public final class LightGbmBackend implements EngineBackend {
    /** The engine's name in model cards. */
    public static final String ENGINE = "LightGBM";

    /** Format of LightGBM's text model files. */
    public static final String TEXT = "lightgbm-text";

    /** Card property: whether NaN (missing) feature values are accepted; default {@code true}. */
    public static final String ALLOW_MISSING = "lightgbm.allowMissing";

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public LightGbmBackend() {}

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Set<String> formats() {
        return Set.of(TEXT);
    }

    @Override
    public Optional<String> detectFormat(Path versionDir) {
        // A text file is only claimed when it opens like a LightGBM model: "tree", then "version=".
        for (Path p : XGBoostBackend.candidates(versionDir, ".txt")) {
            try {
                byte[] head = new byte[64];
                int n;
                try (var in = Files.newInputStream(p)) {
                    n = in.readNBytes(head, 0, head.length);
                }
                String s = new String(head, 0, n, StandardCharsets.UTF_8).replace("\r", "");
                if (s.startsWith("tree\nversion=")) {
                    return Optional.of(TEXT);
                }
            } catch (IOException e) {
                // not ours
            }
        }
        return Optional.empty();
    }

    @Override
    public LoadedModel load(ModelCard card, Path versionDir, EngineOptions options) {
        String what = card.name() + ":" + card.version() + " (" + card.format() + ")";
        if (!TEXT.equals(card.format())) {
            throw new MalformedModelException(
                    "engine LightGBM cannot load format '"
                            + card.format()
                            + "' of model "
                            + card.ref()
                            + "; it loads "
                            + List.of(TEXT));
        }
        Path file = XGBoostBackend.modelFile(card, versionDir, ".txt", what);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MalformedModelException("cannot read model " + what + ": " + e, e);
        }
        // LightGBM parses the trees of a file with a "tree_sizes" line in parallel, and an error
        // there aborts the process; without the line it parses them one by one and reports a
        // malformed tree as an error. The line only speeds up parsing: dropped.
        text = text.replaceAll("(?m)^tree_sizes=.*\\R", "");
        checkTrees(text, what + " from " + file.getFileName());
        LightGbmNatives.load();
        SWIGTYPE_p_void booster;
        try {
            booster = LightGbmBoosters.load(what, text);
        } catch (RuntimeException e) {
            throw new MalformedModelException(
                    "engine LightGBM cannot load model "
                            + what
                            + " from "
                            + file.getFileName()
                            + ": "
                            + XGBoostBackend.firstLine(String.valueOf(e.getMessage())),
                    e);
        }
        boolean ok = false;
        try {
            int features = LightGbmBoosters.numFeatures(booster, what);
            if (features <= 0) {
                throw new MalformedModelException(
                        "model " + what + " has " + features + " features");
            }
            int outputs = LightGbmBoosters.outputsPerRow(booster, what);
            List<String> names = XGBoostBackend.featureNames(card, features, what);
            XGBoostBackend.checkInputSpec(card, features, what);
            boolean allowMissing = XGBoostBackend.allowMissing(card, options, ALLOW_MISSING, what);
            LightGbmBoosters pool = new LightGbmBoosters(card.ref().toString(), text, booster);
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
                            text.length(),
                            features,
                            outputs);
            ok = true;
            return model;
        } finally {
            if (!ok) {
                LightGbmBoosters.free(booster);
            }
        }
    }

    private static final String[] INTERNAL = {
        "split_feature", "threshold", "decision_type", "left_child", "right_child"
    };

    /**
     * Checks the tree sections before LightGBM reads them: its parser trusts their shape, and a
     * malformed tree can crash the process instead of failing with an error.
     *
     * @throws MalformedModelException naming the first malformed tree
     */
    static void checkTrees(String text, String what) {
        String t = text.replace("\r", "");
        int end = t.indexOf("\nend of trees");
        if (!t.startsWith("tree\n") || end < 0) {
            throw new MalformedModelException(
                    "engine LightGBM cannot load model "
                            + what
                            + ": not a complete LightGBM text model (it must start with 'tree' and"
                            + " have an 'end of trees' line)");
        }
        String[] sections = t.substring(0, end).split("\n(?=Tree=)");
        for (int i = 1; i < sections.length; i++) {
            java.util.Map<String, String> kv = new java.util.HashMap<>();
            for (String line : sections[i].split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq), line.substring(eq + 1).trim());
                }
            }
            String tree = kv.getOrDefault("Tree", "?");
            int leaves;
            try {
                leaves = Integer.parseInt(kv.getOrDefault("num_leaves", ""));
            } catch (NumberFormatException e) {
                leaves = -1;
            }
            if (leaves < 1) {
                throw badTree(what, tree, "num_leaves must be a positive integer");
            }
            checkNumbers(kv, "leaf_value", leaves, what, tree);
            if (leaves > 1) {
                for (String key : INTERNAL) {
                    checkNumbers(kv, key, leaves - 1, what, tree);
                }
            }
        }
    }

    private static void checkNumbers(
            java.util.Map<String, String> kv, String key, int count, String what, String tree) {
        String v = kv.get(key);
        String[] items = v == null || v.isEmpty() ? new String[0] : v.split(" ");
        if (items.length != count) {
            throw badTree(what, tree, key + " must have " + count + " values, has " + items.length);
        }
        for (String item : items) {
            try {
                Double.parseDouble(item);
            } catch (NumberFormatException e) {
                throw badTree(what, tree, key + " holds '" + item + "', not a number");
            }
        }
    }

    private static MalformedModelException badTree(String what, String tree, String why) {
        return new MalformedModelException(
                "engine LightGBM cannot load model " + what + ": tree " + tree + ": " + why);
    }
}
