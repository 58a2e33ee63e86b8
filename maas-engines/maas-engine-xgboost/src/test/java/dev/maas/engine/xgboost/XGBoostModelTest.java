package dev.maas.engine.xgboost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.maas.Endpoint;
import dev.maas.InvalidInputException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tree models trained here with XGBoost's own Java training API, saved in XGBoost's JSON and UBJSON
 * model files, published and served through {@link ModelService}: maas must predict exactly what
 * XGBoost predicts, batch and alias them like any model, and reject bad rows clearly.
 */
class XGBoostModelTest {
    private static final int F = 6;
    private static final String NAMES = "recency,frequency,sessions,minutes,drama,completion";

    @TempDir static Path tmp;

    private static ModelService maas;
    private static NDManager manager;
    private static Booster binary;
    private static Booster multi;

    @BeforeAll
    static void trainAndPublish() throws Exception {
        Random random = new Random(7);
        int n = 600;
        float[] x = features(random, n);
        float[] y = new float[n];
        float[] cls = new float[n];
        for (int i = 0; i < n; i++) {
            float s = x[i * F] * 1.5f - x[i * F + 1] + (x[i * F + 2] > 0.3f ? 1f : -0.5f);
            y[i] = random.nextFloat() < 1 / (1 + Math.exp(-2 * s)) ? 1f : 0f;
            cls[i] = s < -0.5f ? 0f : s < 0.7f ? 1f : 2f;
        }
        DMatrix train = new DMatrix(x, n, F, Float.NaN);
        train.setLabel(y);
        binary = XGBoost.train(train, params("binary:logistic"), 25, Map.of(), null, null);
        train.setLabel(cls);
        Map<String, Object> p = params("multi:softprob");
        p.put("num_class", 3);
        multi = XGBoost.train(train, p, 15, Map.of(), null, null);
        train.dispose();

        Path json = Files.createDirectories(tmp.resolve("json"));
        binary.saveModel(json.resolve("churn.json").toString());
        Path ubj = Files.createDirectories(tmp.resolve("ubj"));
        multi.saveModel(ubj.resolve("genre.ubj").toString());

        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        maas.publish(ModelPackage.of(card("churn", XGBoostBackend.JSON, 1).build(), json));
        maas.publish(
                ModelPackage.of(
                        card("churn-strict", XGBoostBackend.JSON, 1)
                                .property(XGBoostBackend.FEATURES, NAMES)
                                .property(XGBoostBackend.ALLOW_MISSING, "false")
                                .build(),
                        json));
        maas.publish(ModelPackage.of(card("genre", XGBoostBackend.UBJ, 3).build(), ubj));
        maas.publish(ModelPackage.of(ModelCard.builder("churn-detected").build(), json));
        maas.setAlias("churn", "production", 1);
        manager = NDManager.newBaseManager(XGBoostBackend.ENGINE);
    }

    private static Map<String, Object> params(String objective) {
        Map<String, Object> p = new HashMap<>();
        p.put("objective", objective);
        p.put("max_depth", 4);
        p.put("eta", 0.3);
        p.put("seed", 1);
        p.put("nthread", 1);
        return p;
    }

    private static float[] features(Random random, int rows) {
        float[] x = new float[rows * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static ModelCard.Builder card(String name, String format, int outputs) {
        return ModelCard.builder(name)
                .task("churn")
                .engine(XGBoostBackend.ENGINE)
                .format(format)
                .inputs(TensorSpec.of("features", DataType.FLOAT32, -1, F))
                .outputs(TensorSpec.of("score", DataType.FLOAT32, -1, outputs));
    }

    @AfterAll
    static void close() {
        manager.close();
        maas.close();
        binary.dispose();
        multi.dispose();
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

    private static float[] viaXGBoost(Booster booster, float[] x, int rows) throws Exception {
        DMatrix m = new DMatrix(x, rows, F, Float.NaN);
        try {
            float[][] p = booster.predict(m);
            float[] flat = new float[rows * p[0].length];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(p[r], 0, flat, r * p[0].length, p[0].length);
            }
            return flat;
        } finally {
            m.dispose();
        }
    }

    @Test
    void jsonModel_predictsWhatXGBoostPredicts() throws Exception {
        float[] x = features(new Random(11), 50);

        float[] served = viaMaas("churn", x, 50);

        assertThat(served).containsExactly(viaXGBoost(binary, x, 50));
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
    void ubjModel_predictsEveryClassColumn() throws Exception {
        float[] x = features(new Random(12), 20);

        float[] served = viaMaas("genre", x, 20);

        assertThat(served).hasSize(60).containsExactly(viaXGBoost(multi, x, 20));
    }

    @Test
    void missingValues_followXGBoostUnlessTheCardForbidsThem() throws Exception {
        float[] x = features(new Random(13), 4);
        x[F + 3] = Float.NaN;

        assertThat(viaMaas("churn", x, 4)).containsExactly(viaXGBoost(binary, x, 4));
        assertThatThrownBy(() -> viaMaas("churn-strict", x, 4))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("row 1, feature 3 'minutes' is NaN")
                .hasMessageContaining("does not accept missing values");
    }

    @Test
    void badRows_getClearErrors_andTheModelKeepsServing() throws Exception {
        float[] inf = features(new Random(14), 2);
        inf[5] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> viaMaas("churn", inf, 2))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("row 0, feature 5 is Infinity; features must be finite");
        try (NDManager call = manager.newSubManager()) {
            assertThatThrownBy(
                            () ->
                                    maas.endpoint("churn")
                                            .predict(new NDList(call.create(new float[3][F - 1]))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("float32 (3, 5)")
                    .hasMessageContaining("expected features: float32 (-1, 6)");
        }
        float[] x = features(new Random(15), 3);
        assertThat(viaMaas("churn", x, 3)).containsExactly(viaXGBoost(binary, x, 3));
    }

    @Test
    void concurrentCalls_areBatchedAndEachGetsItsOwnRows() throws Exception {
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
                                    return java.util.Arrays.equals(
                                            viaMaas("churn@production", x, rows),
                                            viaXGBoost(binary, x, rows));
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
    void format_isDetectedFromTheFile() throws Exception {
        float[] x = features(new Random(16), 5);

        assertThat(viaMaas("churn-detected", x, 5)).containsExactly(viaXGBoost(binary, x, 5));
        String loadedAs =
                maas.apply(
                        maas.endpoint("churn-detected").ref(),
                        dev.maas.spi.LoadedModel.class,
                        m -> m.card().engine() + "/" + m.card().format());
        assertThat(loadedAs).isEqualTo("XGBoost/xgboost-json");
    }

    @Test
    void load_rejectsACardThatDisagreesWithTheModelFile() throws Exception {
        Path json = tmp.resolve("json");
        maas.publish(
                ModelPackage.of(
                        ModelCard.builder("churn-wrong-width")
                                .engine(XGBoostBackend.ENGINE)
                                .format(XGBoostBackend.JSON)
                                .inputs(TensorSpec.of("features", DataType.FLOAT32, -1, F + 2))
                                .build(),
                        json));
        maas.publish(
                ModelPackage.of(
                        card("churn-wrong-names", XGBoostBackend.JSON, 1)
                                .property(XGBoostBackend.FEATURES, "a,b")
                                .build(),
                        json));
        Path garbage = Files.createDirectories(tmp.resolve("garbage"));
        Files.writeString(garbage.resolve("model.json"), "{\"learner\": 42");
        maas.publish(
                ModelPackage.of(card("churn-garbage", XGBoostBackend.JSON, 1).build(), garbage));

        Endpoint wide = maas.endpoint("churn-wrong-width");
        try (NDManager call = manager.newSubManager()) {
            assertThatThrownBy(() -> wide.predict(new NDList(call.create(new float[1][F + 2]))))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("the model file has 6 features: expected shape (-1, 6)");
            assertThatThrownBy(
                            () ->
                                    maas.endpoint("churn-wrong-names")
                                            .predict(new NDList(call.create(new float[1][F]))))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("names 2 features");
            assertThatThrownBy(
                            () ->
                                    maas.endpoint("churn-garbage")
                                            .predict(new NDList(call.create(new float[1][F]))))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("cannot load model churn-garbage:1");
        }
    }
}
