package dev.maas.engine.xgboost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_double;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_float;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_int;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_long_long;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_p_void;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_void;
import com.microsoft.ml.lightgbm.lightgbmlib;
import com.microsoft.ml.lightgbm.lightgbmlibConstants;
import dev.maas.InvalidInputException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tree models trained here with LightGBM's own C API (through its SWIG bindings), saved as LightGBM
 * text model files, published and served through {@link ModelService}: maas must predict what
 * LightGBM predicts on the same rows, batch and alias them like any model, and reject bad rows and
 * bad files clearly.
 */
class LightGbmModelTest {
    private static final int F = 5;
    private static final String NAMES = "recency,frequency,sessions,minutes,completion";
    private static final String COMMON =
            " num_leaves=15 learning_rate=0.3 min_data_in_leaf=5 seed=1 num_threads=1"
                    + " deterministic=true verbose=-1";

    @TempDir static Path tmp;

    private static ModelService maas;
    private static NDManager manager;
    private static SWIGTYPE_p_void binary;
    private static SWIGTYPE_p_void multi;

    @BeforeAll
    static void trainAndPublish() throws Exception {
        LightGbmNatives.load();
        Random random = new Random(7);
        int n = 500;
        float[] x = features(random, n);
        float[] y = new float[n];
        float[] cls = new float[n];
        for (int i = 0; i < n; i++) {
            float s = x[i * F] * 1.5f - x[i * F + 1] + (x[i * F + 2] > 0.3f ? 1f : -0.5f);
            y[i] = random.nextFloat() < 1 / (1 + Math.exp(-2 * s)) ? 1f : 0f;
            cls[i] = s < -0.5f ? 0f : s < 0.7f ? 1f : 2f;
            if (i % 17 == 0) {
                x[i * F + 3] = Float.NaN;
            }
        }
        Path bin = Files.createDirectories(tmp.resolve("binary"));
        train(x, y, n, "objective=binary" + COMMON, 20, bin.resolve("model.txt"));
        Path mc = Files.createDirectories(tmp.resolve("multi"));
        train(x, cls, n, "objective=multiclass num_class=3" + COMMON, 10, mc.resolve("model.txt"));
        // LightGBM's own boosters for reference, read back from the saved files.
        binary = fromFile(bin.resolve("model.txt"));
        multi = fromFile(mc.resolve("model.txt"));

        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        maas.publish(ModelPackage.of(card("churn", 1).build(), bin));
        maas.publish(
                ModelPackage.of(
                        card("churn-strict", 1)
                                .property(XGBoostBackend.FEATURES, NAMES)
                                .property(LightGbmBackend.ALLOW_MISSING, "false")
                                .build(),
                        bin));
        maas.publish(ModelPackage.of(card("genre", 3).build(), mc));
        maas.publish(ModelPackage.of(ModelCard.builder("churn-detected").build(), bin));
        maas.setAlias("churn", "production", 1);
        manager = NDManager.newBaseManager(XGBoostBackend.ENGINE);
    }

    private static void check(int rc) {
        if (rc != 0) {
            throw new IllegalStateException(lightgbmlib.LGBM_GetLastError());
        }
    }

    private static void train(float[] x, float[] y, int n, String params, int rounds, Path file) {
        SWIGTYPE_p_float data = lightgbmlib.new_floatArray(x.length);
        SWIGTYPE_p_float labels = lightgbmlib.new_floatArray(n);
        SWIGTYPE_p_p_void out = lightgbmlib.new_voidpp();
        SWIGTYPE_p_int finished = lightgbmlib.new_intp();
        for (int i = 0; i < x.length; i++) {
            lightgbmlib.floatArray_setitem(data, i, x[i]);
        }
        for (int i = 0; i < n; i++) {
            lightgbmlib.floatArray_setitem(labels, i, y[i]);
        }
        check(
                lightgbmlib.LGBM_DatasetCreateFromMat(
                        lightgbmlib.float_to_voidp_ptr(data),
                        lightgbmlibConstants.C_API_DTYPE_FLOAT32,
                        n,
                        F,
                        1,
                        "max_bin=63 verbose=-1",
                        null,
                        out));
        SWIGTYPE_p_void dataset = lightgbmlib.voidpp_value(out);
        check(
                lightgbmlib.LGBM_DatasetSetField(
                        dataset,
                        "label",
                        lightgbmlib.float_to_voidp_ptr(labels),
                        n,
                        lightgbmlibConstants.C_API_DTYPE_FLOAT32));
        check(lightgbmlib.LGBM_BoosterCreate(dataset, params, out));
        SWIGTYPE_p_void booster = lightgbmlib.voidpp_value(out);
        for (int r = 0; r < rounds; r++) {
            check(lightgbmlib.LGBM_BoosterUpdateOneIter(booster, finished));
        }
        check(lightgbmlib.LGBM_BoosterSaveModel(booster, 0, -1, 0, file.toString()));
        check(lightgbmlib.LGBM_BoosterFree(booster));
        check(lightgbmlib.LGBM_DatasetFree(dataset));
        lightgbmlib.delete_intp(finished);
        lightgbmlib.delete_voidpp(out);
        lightgbmlib.delete_floatArray(labels);
        lightgbmlib.delete_floatArray(data);
    }

    private static SWIGTYPE_p_void fromFile(Path file) {
        SWIGTYPE_p_p_void out = lightgbmlib.new_voidpp();
        SWIGTYPE_p_int iterations = lightgbmlib.new_intp();
        check(lightgbmlib.LGBM_BoosterCreateFromModelfile(file.toString(), iterations, out));
        SWIGTYPE_p_void booster = lightgbmlib.voidpp_value(out);
        lightgbmlib.delete_intp(iterations);
        lightgbmlib.delete_voidpp(out);
        return booster;
    }

    /** LightGBM's own prediction, fed as float64 rows, rounded to float32 like maas's output. */
    private static synchronized float[] viaLightGbm(
            SWIGTYPE_p_void booster, float[] x, int rows, int outputs) {
        SWIGTYPE_p_double data = lightgbmlib.new_doubleArray(x.length);
        SWIGTYPE_p_double res = lightgbmlib.new_doubleArray((long) rows * outputs);
        SWIGTYPE_p_long_long len = lightgbmlib.new_int64_tp();
        try {
            for (int i = 0; i < x.length; i++) {
                lightgbmlib.doubleArray_setitem(data, i, x[i]);
            }
            check(
                    lightgbmlib.LGBM_BoosterPredictForMat(
                            booster,
                            lightgbmlib.double_to_voidp_ptr(data),
                            lightgbmlibConstants.C_API_DTYPE_FLOAT64,
                            rows,
                            F,
                            1,
                            lightgbmlibConstants.C_API_PREDICT_NORMAL,
                            0,
                            -1,
                            "",
                            len,
                            res));
            assertThat(lightgbmlib.int64_tp_value(len)).isEqualTo((long) rows * outputs);
            float[] out = new float[rows * outputs];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) lightgbmlib.doubleArray_getitem(res, i);
            }
            return out;
        } finally {
            lightgbmlib.delete_int64_tp(len);
            lightgbmlib.delete_doubleArray(res);
            lightgbmlib.delete_doubleArray(data);
        }
    }

    private static float[] features(Random random, int rows) {
        float[] x = new float[rows * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static ModelCard.Builder card(String name, int outputs) {
        return ModelCard.builder(name)
                .task("churn")
                .engine(LightGbmBackend.ENGINE)
                .format(LightGbmBackend.TEXT)
                .inputs(TensorSpec.of("features", DataType.FLOAT32, -1, F))
                .outputs(TensorSpec.of("score", DataType.FLOAT32, -1, outputs));
    }

    @AfterAll
    static void close() {
        manager.close();
        maas.close();
        lightgbmlib.LGBM_BoosterFree(binary);
        lightgbmlib.LGBM_BoosterFree(multi);
    }

    private static float[] viaMaas(String ref, float[] x, int rows) {
        try (NDManager call = manager.newSubManager()) {
            NDArray out =
                    maas.endpoint(ref)
                            .predict(new NDList(call.create(x, new Shape(rows, F))))
                            .singletonOrThrow();
            assertThat(out.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(out.getShape().get(0)).isEqualTo(rows);
            return out.toFloatArray();
        }
    }

    @Test
    void binaryModel_predictsWhatLightGbmPredicts() {
        float[] x = features(new Random(11), 50);

        float[] served = viaMaas("churn", x, 50);

        assertThat(served).containsExactly(viaLightGbm(binary, x, 50, 1));
        float min = 1;
        float max = 0;
        for (float p : served) {
            min = Math.min(min, p);
            max = Math.max(max, p);
        }
        assertThat(min).as("a confident 'no' among the rows").isLessThan(0.3f);
        assertThat(max).as("a confident 'yes' among the rows").isGreaterThan(0.7f);
    }

    @Test
    void multiclassModel_predictsEveryClassColumn() {
        float[] x = features(new Random(12), 20);

        float[] served = viaMaas("genre", x, 20);

        assertThat(served).hasSize(60).containsExactly(viaLightGbm(multi, x, 20, 3));
        for (int r = 0; r < 20; r++) {
            assertThat(served[3 * r] + served[3 * r + 1] + served[3 * r + 2])
                    .as("class probabilities of row %d", r)
                    .isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void missingValues_followLightGbmUnlessTheCardForbidsThem() {
        float[] x = features(new Random(13), 4);
        x[F + 3] = Float.NaN;

        assertThat(viaMaas("churn", x, 4)).containsExactly(viaLightGbm(binary, x, 4, 1));
        assertThatThrownBy(() -> viaMaas("churn-strict", x, 4))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("row 1, feature 3 'minutes' is NaN")
                .hasMessageContaining("does not accept missing values")
                .hasMessageContaining(LightGbmBackend.ALLOW_MISSING + "=false");
    }

    @Test
    void badRows_getClearErrors_andTheModelKeepsServing() {
        float[] inf = features(new Random(14), 2);
        inf[F + 2] = Float.NEGATIVE_INFINITY;
        assertThatThrownBy(() -> viaMaas("churn", inf, 2))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("row 1, feature 2 is -Infinity; features must be finite");
        try (NDManager call = manager.newSubManager()) {
            assertThatThrownBy(
                            () ->
                                    maas.endpoint("churn")
                                            .predict(new NDList(call.create(new float[3][F + 1]))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("float32 (3, 6)")
                    .hasMessageContaining("expected features: float32 (-1, 5)");
        }
        float[] x = features(new Random(15), 3);
        assertThat(viaMaas("churn", x, 3)).containsExactly(viaLightGbm(binary, x, 3, 1));
    }

    @Test
    void concurrentCallsThroughAnAlias_areBatchedAndEachGetsItsOwnRows() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 64; t++) {
                int seed = 100 + t;
                results.add(
                        pool.submit(
                                () -> {
                                    int rows = 1 + seed % 5;
                                    float[] x = features(new Random(seed), rows);
                                    return Arrays.equals(
                                            viaMaas("churn@production", x, rows),
                                            viaLightGbm(binary, x, rows, 1));
                                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void format_isDetectedFromTheFile() {
        float[] x = features(new Random(16), 5);

        assertThat(viaMaas("churn-detected", x, 5)).containsExactly(viaLightGbm(binary, x, 5, 1));
        String loadedAs =
                maas.apply(
                        maas.endpoint("churn-detected").ref(),
                        dev.maas.spi.LoadedModel.class,
                        m -> m.card().engine() + "/" + m.card().format());
        assertThat(loadedAs).isEqualTo("LightGBM/lightgbm-text");
    }

    @Test
    void load_rejectsBadFilesAndCardsThatDisagree_andServingGoesOn() throws Exception {
        Path bin = tmp.resolve("binary");
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("churn-wrong-width")
                                .engine(LightGbmBackend.ENGINE)
                                .format(LightGbmBackend.TEXT)
                                .inputs(TensorSpec.of("features", DataType.FLOAT32, -1, F + 2))
                                .build(),
                        bin));
        maas.publish(
                ModelPackage.of(
                        card("churn-wrong-names", 1)
                                .property(XGBoostBackend.FEATURES, "a,b")
                                .build(),
                        bin));
        Path garbage = Files.createDirectories(tmp.resolve("garbage"));
        String good = Files.readString(bin.resolve("model.txt"));
        Files.writeString(
                garbage.resolve("model.txt"),
                good.substring(0, good.indexOf("Tree=0"))
                        + "Tree=0\nnum_leaves=banana\n\nend of trees\n");
        maas.publish(ModelPackage.of(card("churn-garbage", 1).build(), garbage));
        Path truncated = Files.createDirectories(tmp.resolve("truncated"));
        Files.writeString(truncated.resolve("model.txt"), good.substring(0, good.length() / 2));
        maas.publish(ModelPackage.of(card("churn-truncated", 1).build(), truncated));
        Path header = Files.createDirectories(tmp.resolve("header"));
        Files.writeString(header.resolve("model.txt"), good.replaceAll("(?m)^num_class=.*\\R", ""));
        maas.publish(ModelPackage.of(card("churn-header", 1).build(), header));

        try (NDManager call = manager.newSubManager()) {
            assertThatThrownBy(
                            () ->
                                    maas.endpoint("churn-wrong-width")
                                            .predict(new NDList(call.create(new float[1][F + 2]))))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("the model file has 5 features: expected shape (-1, 5)");
            assertThatThrownBy(
                            () ->
                                    maas.endpoint("churn-wrong-names")
                                            .predict(new NDList(call.create(new float[1][F]))))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("names 2 features")
                    .hasMessageContaining("the model file has 5");
            assertThatThrownBy(
                            () ->
                                    maas.endpoint("churn-garbage")
                                            .predict(new NDList(call.create(new float[1][F]))))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("engine LightGBM cannot load model churn-garbage:1")
                    .hasMessageContaining("model.txt")
                    .hasMessageContaining("tree 0: num_leaves must be a positive integer");
            assertThatThrownBy(
                            () ->
                                    maas.endpoint("churn-truncated")
                                            .predict(new NDList(call.create(new float[1][F]))))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("not a complete LightGBM text model");
            assertThatThrownBy(
                            () ->
                                    maas.endpoint("churn-header")
                                            .predict(new NDList(call.create(new float[1][F]))))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("engine LightGBM cannot load model churn-header:1");
        }
        float[] x = features(new Random(17), 4);
        assertThat(viaMaas("churn@production", x, 4)).containsExactly(viaLightGbm(binary, x, 4, 1));
    }
}
