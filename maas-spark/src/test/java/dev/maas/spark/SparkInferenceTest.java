package dev.maas.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.StoreStats;
import dev.maas.TensorSpec;
import dev.maas.engine.pytorch.PyTorchBackend;
import dev.maas.testing.MlpModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Any published model runs over DataFrame columns through a maas endpoint, loaded once. */
class SparkInferenceTest {
    private static final int IN = 6;
    private static final int ROWS = 500;

    @TempDir static Path repo;
    @TempDir static Path work;

    private static SparkSession spark;
    private static RepositoryLocation location;
    private static MlpModel mlp;
    private static float[][] features;
    private static Dataset<Row> data;

    @BeforeAll
    static void publish() {
        spark = SparkTestSession.get();
        location = RepositoryLocation.folder(repo);
        ModelService maas = ExecutorModels.service(location);
        mlp = MlpModel.random(IN, 16, 3, 5);
        Path dir = work.resolve("mlp");
        mlp.save(dir, "scorer", PyTorchBackend.ENGINE);
        ModelCard card =
                maas.publish(
                        ModelPackage.of(
                                ModelCard.builder("scorer")
                                        .engine(PyTorchBackend.ENGINE)
                                        .format(PyTorchBackend.DJL)
                                        .inputs(TensorSpec.of("x", DataType.FLOAT32, -1, IN))
                                        .outputs(TensorSpec.of("y", DataType.FLOAT32, -1, 3))
                                        .properties(mlp.cardProperties())
                                        .build(),
                                dir));
        assertThat(card.version()).isEqualTo(1);
        Random random = new Random(3);
        features = new float[ROWS][IN];
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            List<Float> f = new ArrayList<>();
            for (int c = 0; c < IN; c++) {
                features[r][c] = random.nextFloat() * 2 - 1;
                f.add(features[r][c]);
            }
            rows.add(RowFactory.create((long) r, f));
        }
        StructType schema =
                new StructType()
                        .add("id", DataTypes.LongType, false)
                        .add("features", DataTypes.createArrayType(DataTypes.FloatType), false);
        data = spark.createDataFrame(rows, schema).repartition(6);
    }

    @Test
    void predict_givesTheModelsOutputForEveryRow_andLoadsItOnce() {
        SparkInference job =
                SparkInference.builder(location, "scorer")
                        .outputColumn("y")
                        .rowsPerCall(32)
                        .build();

        List<Row> out = job.predict(data).collectAsList();

        assertThat(out).hasSize(ROWS);
        float[][] expected = mlp.forward(features);
        for (Row row : out) {
            int r = (int) row.getLong(0);
            List<Float> y = row.getList(2);
            assertThat(y).hasSize(3);
            for (int c = 0; c < 3; c++) {
                assertThat((double) y.get(c))
                        .as("row %d output %d", r, c)
                        .isCloseTo(expected[r][c], org.assertj.core.data.Offset.offset(1e-4));
            }
        }
        StoreStats stats = ExecutorModels.stats(location);
        assertThat(stats.loads()).isEqualTo(1);
        assertThat(stats.loadFailures()).isZero();
    }

    @Test
    void predict_missingOrWrongColumns_failOnTheDriver() {
        SparkInference job = SparkInference.builder(location, "scorer").build();
        assertThatThrownBy(() -> job.predict(data.drop("features")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no input column 'features'")
                .hasMessageContaining("[id]");
        Dataset<Row> text = data.selectExpr("id", "CAST(id AS STRING) AS features");
        assertThatThrownBy(() -> job.predict(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input column 'features' is string")
                .hasMessageContaining("expected a number or an array of numbers");
        assertThatThrownBy(
                        () ->
                                SparkInference.builder(location, "scorer")
                                        .inputColumns("features", "id")
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes 1 inputs");
        assertThatThrownBy(() -> SparkInference.builder(location, "scorer@production").build())
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("production");
    }

    @Test
    void predict_rowsOfAnotherWidth_failWithTheExpectedSignature() {
        Dataset<Row> narrow = data.selectExpr("id", "slice(features, 1, 4) AS features");
        SparkInference job = SparkInference.builder(location, "scorer").build();
        assertThatThrownBy(() -> job.predict(narrow).collectAsList())
                .isInstanceOf(org.apache.spark.SparkException.class)
                .hasMessageContaining("model scorer:1 refused rows of [features]");
        // Still serving.
        assertThat(job.predict(data).count()).isEqualTo(ROWS);
    }
}
