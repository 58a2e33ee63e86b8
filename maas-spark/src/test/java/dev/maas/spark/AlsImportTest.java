package dev.maas.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.RecommendOptions;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.data.Interactions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An MLlib ALS model published through maas scores as {@code ALSModel.transform} does. */
class AlsImportTest {
    @TempDir static Path repo;

    private static SparkSession spark;
    private static ModelService maas;
    private static ALSModel als;
    private static Interactions train;
    private static Dataset<Row> test;

    @BeforeAll
    static void fit() {
        spark = SparkTestSession.get();
        maas = ExecutorModels.service(RepositoryLocation.folder(repo));
        Dataset<Row> ratings = Samples.ratings(spark, Samples.split().train()).repartition(4);
        als =
                new ALS()
                        .setRank(8)
                        .setMaxIter(5)
                        .setRegParam(0.1)
                        .setSeed(3)
                        .setNumBlocks(2)
                        .setUserCol("user")
                        .setItemCol("item")
                        .setRatingCol("rating")
                        .fit(ratings);
        train = AlsImport.interactions(ratings, "user", "item", "rating");
        test = Samples.ratings(spark, Samples.split().test());
    }

    @Test
    void publishedAls_scoresEveryTestPairAsTransformDoes() {
        ModelCard card = AlsImport.toPackage(als, train, false).publish(maas, "als");
        assertThat(card.properties())
                .containsEntry("source", "spark-mllib-als")
                .containsEntry("train.rank", "8")
                .containsEntry("train.sparkVersion", "4.2.0");
        Recommender served = Recommender.open(maas, "als");

        // Pairs whose user and item ALS knows (a test item may be new to the training split).
        List<Row> predicted = als.setColdStartStrategy("drop").transform(test).collectAsList();
        assertThat(predicted.size()).isGreaterThan(15_000);
        Map<String, List<Row>> byUser = new HashMap<>();
        for (Row r : predicted) {
            byUser.computeIfAbsent(Integer.toString(r.getInt(0)), u -> new ArrayList<>()).add(r);
        }
        double worst = 0;
        for (Map.Entry<String, List<Row>> e : byUser.entrySet()) {
            List<String> items = new ArrayList<>();
            for (Row r : e.getValue()) {
                items.add(Integer.toString(r.getInt(1)));
            }
            Recommendations scores = served.score(e.getKey(), items);
            for (int n = 0; n < items.size(); n++) {
                float expected = e.getValue().get(n).getFloat(3);
                double diff = Math.abs(scores.items().get(n).score() - expected);
                worst = Math.max(worst, diff / Math.max(1, Math.abs(expected)));
            }
        }
        // Same float32 dot products; only the order of the additions may differ.
        assertThat(worst).isLessThan(1e-5);
    }

    @Test
    void publishedAls_ranksAsAlsRecommendsWhenSeenItemsAreKept() {
        AlsImport.toPackage(als, train, false).publish(maas, "als-top");
        Recommender served = Recommender.open(maas, "als-top");
        Dataset<Row> users =
                Samples.ratings(spark, Samples.split().train()).select("user").distinct().limit(50);
        RecommendOptions keepSeen = RecommendOptions.builder().excludeSeen(false).build();
        int compared = 0;
        for (Row r : als.recommendForUserSubset(users, 10).collectAsList()) {
            List<Row> recs = r.getList(1);
            Recommendations ours = served.recommend(Integer.toString(r.getInt(0)), 10, keepSeen);
            List<String> expected = new ArrayList<>();
            for (Row rec : recs) {
                expected.add(Integer.toString(rec.getInt(0)));
            }
            assertThat(ours.items().stream().map(i -> i.id()).toList()).isEqualTo(expected);
            compared++;
        }
        assertThat(compared).isEqualTo(50);
    }

    @Test
    void toPackage_nonIntegerIds_areRefusedNamingTheId() {
        Interactions named =
                Interactions.builder().add("alice", "1", 4f, 0).add("bob", "2", 3f, 0).build();
        assertThatThrownBy(() -> AlsImport.toPackage(als, named, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user id 'alice'")
                .hasMessageContaining("not an integer");
    }

    @Test
    void interactions_missingColumn_namesTheColumnsPresent() {
        assertThatThrownBy(() -> AlsImport.interactions(test, "user", "movie", "rating"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no item column 'movie'")
                .hasMessageContaining("[user, item, rating]");
    }
}
