package dev.maas.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelNotFoundException;
import dev.maas.ModelService;
import dev.maas.StoreStats;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.ScoredItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch scoring on Spark gives what {@link Recommender#recommend} gives, loading the model once.
 */
class SparkRecommenderTest {
    @TempDir static Path repo;

    private static SparkSession spark;
    private static RepositoryLocation location;
    private static List<String> userIds;

    @BeforeAll
    static void publish() {
        spark = SparkTestSession.get();
        location = RepositoryLocation.folder(repo);
        ModelService maas = ExecutorModels.service(location);
        Samples.publishMf(maas, "movies");
        userIds = new ArrayList<>(Samples.data().users().ids());
    }

    private static Map<String, List<Row>> byUser(Dataset<Row> recs) {
        Map<String, List<Row>> out = new HashMap<>();
        for (Row r : recs.collectAsList()) {
            out.computeIfAbsent(r.getString(0), u -> new ArrayList<>()).add(r);
        }
        out.values().forEach(l -> l.sort(Comparator.comparingInt(r -> r.getInt(1))));
        return out;
    }

    private static void assertSame(List<Row> rows, Recommendations expected) {
        List<ScoredItem> items = expected.items();
        assertThat(rows).hasSize(items.size());
        for (int n = 0; n < items.size(); n++) {
            Row r = rows.get(n);
            assertThat(r.getInt(1)).isEqualTo(n + 1);
            assertThat(r.getString(2)).isEqualTo(items.get(n).id());
            assertThat(r.getDouble(3)).isEqualTo(items.get(n).score());
        }
    }

    @Test
    void recommend_equalsRecommenderForEveryUser_andLoadsTheModelOnce() {
        SparkRecommender batch = SparkRecommender.builder(location, "movies").k(10).build();
        assertThat(batch.model().toString()).isEqualTo("movies:1");
        List<String> ids = new ArrayList<>(userIds);
        ids.add("someone-new"); // not in the model: the popularity fallback, as in Recommender
        int opened = ExecutorModels.servicesOpened();

        Map<String, List<Row>> got = byUser(batch.recommend(Samples.users(spark, ids)));

        Recommender single = Recommender.open(ExecutorModels.service(location), "movies:1");
        assertThat(got).hasSize(ids.size());
        for (String user : ids) {
            assertSame(got.get(user), single.recommend(user, 10));
        }
        // 8 partitions ran on this JVM (local mode: the driver is the executor); one load.
        StoreStats stats = ExecutorModels.stats(location);
        assertThat(stats.loads()).isEqualTo(1);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.hits()).isGreaterThanOrEqualTo(8);
        assertThat(ExecutorModels.servicesOpened()).isEqualTo(opened);
    }

    @Test
    void recommend_appliesTheSameFiltersAsRecommender() {
        List<String> allowed = new ArrayList<>();
        for (int i = 1; i <= 1682; i += 3) {
            allowed.add(Integer.toString(i));
        }
        ScoringOptions options =
                ScoringOptions.builder()
                        .allowedItems(allowed)
                        .filter(info -> info.genres().contains("Drama"))
                        .exclude(List.of("4", "7", "10"))
                        .build();
        SparkRecommender batch =
                SparkRecommender.builder(location, "movies").k(5).options(options).build();
        List<String> some = userIds.subList(0, 200);

        Map<String, List<Row>> got = byUser(batch.recommend(Samples.users(spark, some)));

        Recommender single = Recommender.open(ExecutorModels.service(location), "movies:1");
        for (String user : some) {
            assertSame(got.get(user), single.recommend(user, 5, options.toRecommendOptions()));
        }
        assertThat(got.values().stream().flatMap(List::stream).map(r -> r.getString(2)))
                .allMatch(id -> Integer.parseInt(id) % 3 == 1)
                .doesNotContain("4", "7", "10");
    }

    @Test
    void recommend_candidates_usersWithNothingLeftGetNoRows() {
        // The most popular titles: many users have seen all three, so nothing is left for them.
        int[] counts = Samples.data().itemCounts();
        List<String> popular =
                java.util.stream.IntStream.range(0, counts.length)
                        .boxed()
                        .sorted((a, b) -> counts[b] - counts[a])
                        .limit(3)
                        .map(i -> Samples.data().items().id(i))
                        .toList();
        ScoringOptions options = ScoringOptions.builder().candidates(popular).build();
        Map<String, List<Row>> got =
                byUser(
                        SparkRecommender.builder(location, "movies")
                                .options(options)
                                .build()
                                .recommend(Samples.users(spark, userIds)));

        Recommender single = Recommender.open(ExecutorModels.service(location), "movies:1");
        int empty = 0;
        for (String user : userIds) {
            Recommendations expected = single.recommend(user, 10, options.toRecommendOptions());
            empty += expected.items().isEmpty() ? 1 : 0;
            assertSame(got.getOrDefault(user, List.of()), expected);
        }
        assertThat(empty).isGreaterThan(0);
    }

    @Test
    void recommend_readsUserIdsOfAnyType() {
        Dataset<Row> numeric =
                Samples.users(spark, userIds.subList(0, 20)).selectExpr("CAST(user AS INT) AS uid");
        Map<String, List<Row>> got =
                byUser(
                        SparkRecommender.builder(location, "movies")
                                .userColumn("uid")
                                .k(3)
                                .build()
                                .recommend(numeric));
        Recommender single = Recommender.open(ExecutorModels.service(location), "movies:1");
        assertThat(got).hasSize(20);
        got.forEach((user, rows) -> assertSame(rows, single.recommend(user, 3)));
    }

    @Test
    void recommend_missingUserColumn_failsOnTheDriverNamingTheColumns() {
        SparkRecommender batch = SparkRecommender.builder(location, "movies").build();
        Dataset<Row> wrong = Samples.users(spark, userIds).withColumnRenamed("user", "customer");
        int jobs = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;

        assertThatThrownBy(() -> batch.recommend(wrong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no user column 'user'")
                .hasMessageContaining("[customer]")
                .hasMessageContaining("userColumn");
        assertThat(spark.sparkContext().statusTracker().getJobIdsForGroup(null)).hasSize(jobs);
    }

    @Test
    void build_unknownModel_failsOnTheDriverBeforeAnyJob() {
        assertThatThrownBy(() -> SparkRecommender.builder(location, "no-such-model").build())
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("no-such-model");
        assertThatThrownBy(() -> SparkRecommender.builder(location, "movies:9").build())
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("movies");
    }

    @Test
    void recommend_nullUserId_cancelsTheStageAtTheFirstFailure() {
        List<String> ids = new ArrayList<>(userIds.subList(0, 10));
        ids.add(null);
        SparkRecommender batch = SparkRecommender.builder(location, "movies").build();

        assertThatThrownBy(() -> batch.recommend(Samples.users(spark, ids)).collectAsList())
                .isInstanceOf(SparkException.class)
                .hasMessageContaining("a row of the user column 'user' is null");
        // The service keeps serving.
        assertThat(batch.recommend(Samples.users(spark, userIds.subList(0, 5))).count())
                .isEqualTo(50);
    }

    @Test
    void recommend_executorCannotReadTheRepository_failsFastNamingModelAndRepository(
            @TempDir Path other) throws IOException {
        RepositoryLocation elsewhere = RepositoryLocation.folder(other.resolve("shared"));
        Samples.publishMf(ExecutorModels.service(elsewhere), "movies");
        SparkRecommender batch = SparkRecommender.builder(elsewhere, "movies").build();
        // The driver resolved movies:1; now the folder vanishes before the executors read it
        // (an unmounted share, say).
        deleteTree(other.resolve("shared"));
        int failures = ExecutorModels.loadFailures();

        assertThatThrownBy(() -> batch.recommend(Samples.users(spark, userIds)).count())
                .isInstanceOf(SparkException.class)
                .hasMessageContaining("cannot load model movies:1 from the repository " + elsewhere)
                .hasMessageContaining("every executor must be able to read the repository");
        int attempts = ExecutorModels.loadFailures() - failures;
        // Cancelled at the first failure: fewer attempts than one task alone may make.
        assertThat(attempts).isBetween(1, SparkTestSession.MAX_FAILURES - 1);
        // Other models keep serving.
        assertThat(
                        SparkRecommender.builder(location, "movies")
                                .build()
                                .recommend(Samples.users(spark, userIds.subList(0, 3)))
                                .count())
                .isEqualTo(30);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
