package dev.maas.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model averaging on 2 and 4 partitions against single-node training of the same model and Spark
 * MLlib ALS, all on one split of the sample catalogue: 72% train, 8% validation (early stopping),
 * 20% test. Held-out quality on the test rows whose user and item the training data has. The table
 * goes to the log and to {@code target/averaging-comparison.txt}.
 */
class AveragingTrainerTest {
    private static final Logger LOG = LoggerFactory.getLogger(AveragingTrainerTest.class);

    /** The stated distance: averaged RMSE within this of single-node RMSE. */
    static final double RMSE_DISTANCE = 0.03;

    /** The stated distance: averaged NDCG@10 within this of single-node NDCG@10. */
    static final double NDCG_DISTANCE = 0.03;

    @TempDir static Path repo;

    private static SparkSession spark;
    private static Interactions train;
    private static Interactions validation;
    private static Interactions test;
    private static final List<String> table = new ArrayList<>();
    private static final Evaluator EVAL = Evaluator.builder().k(10).build();

    @BeforeAll
    static void split() {
        spark = SparkTestSession.get();
        Split outer = Samples.split();
        Split inner = Splits.randomHoldout(outer.train(), 0.1, 13);
        train = inner.train();
        validation = inner.test();
        int[] users = train.userCounts();
        int[] items = train.itemCounts();
        Interactions all = outer.test();
        int[] keep =
                java.util.stream.IntStream.range(0, all.size())
                        .filter(r -> users[all.user(r)] > 0 && items[all.item(r)] > 0)
                        .toArray();
        test = all.select(keep);
    }

    private static TrainingConfig config(ModelType type) {
        return TrainingConfig.builder(type)
                .factors(16)
                .learningRate(0.01f)
                .epochs(40)
                .patience(2)
                .seed(21)
                .build();
    }

    /** Adds a row: the model, RMSE (for rating models), NDCG@10 on the test rows, the time. */
    private static void report(String model, FactorModel m, long millis) {
        String rmse =
                m.type().predictsRatings()
                        ? String.format(Locale.ROOT, "%.4f", EVAL.evaluateRatings(m, test).rmse())
                        : "-";
        double ndcg = EVAL.evaluateRanking(m, train, test).ndcg();
        if (table.isEmpty()) {
            table.add("| model | RMSE | NDCG@10 | ms |");
        }
        String line =
                String.format(
                        Locale.ROOT, "| %-40s | %6s | %.4f | %6d |", model, rmse, ndcg, millis);
        table.add(line);
        LOG.info(line);
        try {
            Files.createDirectories(Path.of("target"));
            Files.write(Path.of("target", "averaging-comparison.txt"), table);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void biasedMf_averagedOn2And4Partitions_isWithinTheStatedRmseOfSingleNode() {
        long t0 = System.nanoTime();
        FactorModel single =
                RecommenderTrainer.create(config(ModelType.BIASED_MF))
                        .fit(train, validation, stats -> {})
                        .model();
        long singleMillis = ms(t0);
        double singleRmse = EVAL.evaluateRatings(single, test).rmse();
        report("biased MF, single node", single, singleMillis);
        for (int partitions : new int[] {2, 4}) {
            long t = System.nanoTime();
            AveragedModel avg =
                    AveragingTrainer.builder(config(ModelType.BIASED_MF))
                            .partitions(partitions)
                            .epochsPerRound(partitions)
                            .maxRounds(20)
                            .patience(3)
                            .build()
                            .fit(spark, train, validation);
            long millis = ms(t);
            double rmse = EVAL.evaluateRatings(avg.model(), test).rmse();
            report(
                    "biased MF, averaged, "
                            + partitions
                            + " partitions, "
                            + avg.rounds().size()
                            + " rounds",
                    avg.model(),
                    millis);
            assertThat(Math.abs(rmse - singleRmse)).isLessThan(RMSE_DISTANCE);
            assertThat(avg.model().properties())
                    .containsEntry("distributed.partitions", Integer.toString(partitions))
                    .containsEntry("distributed.rounds", Integer.toString(avg.rounds().size()));
        }
        long t = System.nanoTime();
        ALSModel als =
                new ALS()
                        .setRank(16)
                        .setMaxIter(5)
                        .setRegParam(0.1)
                        .setSeed(3)
                        .setNumBlocks(2)
                        .setUserCol("user")
                        .setItemCol("item")
                        .setRatingCol("rating")
                        .fit(Samples.ratings(spark, train).repartition(2));
        long alsMillis = ms(t);
        ModelService maas = ExecutorModels.service(RepositoryLocation.folder(repo));
        AlsImport.toPackage(als, train, false).publish(maas, "als");
        FactorModel alsModel = Recommender.open(maas, "als").model();
        report("MLlib ALS, rank 16, 5 iterations", alsModel, alsMillis);
    }

    @Test
    void bpr_averagedOn2And4Partitions_isWithinTheStatedNdcgOfSingleNode_andPublishes() {
        long t0 = System.nanoTime();
        FactorModel single =
                RecommenderTrainer.create(config(ModelType.BPR_MF))
                        .fit(train, validation, stats -> {})
                        .model();
        long singleMillis = ms(t0);
        double singleNdcg = EVAL.evaluateRanking(single, train, test).ndcg();
        report("BPR, single node", single, singleMillis);
        for (int partitions : new int[] {2, 4}) {
            long t = System.nanoTime();
            AveragedModel avg =
                    AveragingTrainer.builder(config(ModelType.BPR_MF))
                            .partitions(partitions)
                            .epochsPerRound(partitions)
                            .maxRounds(40)
                            .patience(3)
                            .build()
                            .fit(spark, train, validation);
            long millis = ms(t);
            double ndcg = EVAL.evaluateRanking(avg.model(), train, test).ndcg();
            report(
                    "BPR, averaged, "
                            + partitions
                            + " partitions, "
                            + avg.rounds().size()
                            + " rounds",
                    avg.model(),
                    millis);
            assertThat(Math.abs(ndcg - singleNdcg)).isLessThan(NDCG_DISTANCE);
            if (partitions == 4) {
                ModelService maas = ExecutorModels.service(RepositoryLocation.folder(repo));
                ModelCard card = avg.toPackage(train).publish(maas, "bpr-averaged");
                assertThat(card.properties())
                        .containsEntry("train.distributed.partitions", "4")
                        .containsEntry(
                                "train.distributed.rounds", Integer.toString(avg.rounds().size()))
                        .containsEntry(
                                "train.distributed.trainRows", Integer.toString(train.size()));
                assertThat(card.metrics()).containsKey("validation.ndcg@10");
                assertThat(Recommender.open(maas, "bpr-averaged").recommend("1", 10).items())
                        .hasSize(10);
            }
        }
    }

    @Test
    void fit_refusesMismatchedOrTooSmallData() {
        AveragingTrainer trainer =
                AveragingTrainer.builder(config(ModelType.BIASED_MF)).partitions(4).build();
        Interactions other = Interactions.builder().add("x", "y", 1f, 0).build();
        assertThatThrownBy(() -> trainer.fit(spark, train, other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("share the training set's user and item id maps");
        assertThatThrownBy(() -> AveragingTrainer.builder(config(ModelType.TWO_TOWER)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not TWO_TOWER");
    }

    private static long ms(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
