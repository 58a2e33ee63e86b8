package dev.maas.spark;

import dev.maas.ModelService;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The sample catalogue (943 users, 1682 items, 100,000 ratings) and models trained on it. */
final class Samples {
    private static Interactions data;
    private static Split split;

    private Samples() {}

    /** The whole sample catalogue (generated once per JVM). */
    static synchronized Interactions data() {
        if (data == null) {
            data = SampleCatalog.defaults().generate();
        }
        return data;
    }

    /** A seeded 80/20 random split of it. */
    static synchronized Split split() {
        if (split == null) {
            split = Splits.randomHoldout(data(), 0.2, 7);
        }
        return split;
    }

    /** Trains a small biased MF on the whole catalogue and publishes it as {@code name}. */
    static FactorModel publishMf(ModelService maas, String name) {
        Interactions all = data();
        FactorModel model =
                RecommenderTrainer.create(
                                TrainingConfig.builder(ModelType.BIASED_MF)
                                        .factors(16)
                                        .epochs(2)
                                        .validationFraction(0)
                                        .seed(11)
                                        .build())
                        .fit(all)
                        .model();
        RecommenderPackage.builder().model(model).trainingData(all).build().publish(maas, name);
        return model;
    }

    /** The user ids of {@code data} as a one-column DataFrame {@code user} in 8 partitions. */
    static Dataset<Row> users(SparkSession spark, List<String> ids) {
        List<Row> rows = new ArrayList<>(ids.size());
        for (String id : ids) {
            rows.add(RowFactory.create(id));
        }
        StructType schema = new StructType().add("user", DataTypes.StringType, true);
        return spark.createDataFrame(rows, schema).repartition(8);
    }

    /** Rows (user, item, rating) with integer ids, as ALS wants them. */
    static Dataset<Row> ratings(SparkSession spark, Interactions data) {
        List<Row> rows = new ArrayList<>(data.size());
        for (int r = 0; r < data.size(); r++) {
            rows.add(
                    RowFactory.create(
                            Integer.parseInt(data.users().id(data.user(r))),
                            Integer.parseInt(data.items().id(data.item(r))),
                            data.value(r)));
        }
        StructType schema =
                new StructType()
                        .add("user", DataTypes.IntegerType, false)
                        .add("item", DataTypes.IntegerType, false)
                        .add("rating", DataTypes.FloatType, false);
        return spark.createDataFrame(rows, schema);
    }
}
