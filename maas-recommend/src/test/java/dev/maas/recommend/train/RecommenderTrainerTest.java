package dev.maas.recommend.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.eval.BiasBaseline;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.eval.PopularityBaseline;
import dev.maas.recommend.eval.RankingMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains every model type with DJL on PyTorch and checks it against the baselines on the sample
 * catalogue (MovieLens-100K-sized), with margins well above what noise or a popularity-like
 * solution could reach.
 */
class RecommenderTrainerTest {
    private static Split sample;
    private static Evaluator evaluator;

    @BeforeAll
    static void data() {
        sample = Splits.randomHoldout(SampleCatalog.defaults().generate(), 0.2, 7);
        evaluator = Evaluator.builder().k(10).build();
    }

    private static TrainingConfig.Builder config(ModelType type) {
        return TrainingConfig.builder(type);
    }

    @Test
    void continueTraining_improvesAGivenModelOnAShard_andLeavesUnseenRowsAlone() {
        Interactions train = sample.train();
        TrainingConfig config =
                config(ModelType.BIASED_MF).factors(8).epochs(1).validationFraction(0).build();
        FactorModel start =
                RecommenderTrainer.create(config).fit(train, null, TrainingListener.NONE).model();
        // A shard: the rows of the first half of the users, indices into the same id maps.
        int half = train.numUsers() / 2;
        int[] rows =
                java.util.stream.IntStream.range(0, train.size())
                        .filter(r -> train.user(r) < half)
                        .toArray();
        Interactions picked = train.select(rows);
        int[] u = new int[picked.size()];
        int[] i = new int[picked.size()];
        float[] v = new float[picked.size()];
        for (int r = 0; r < u.length; r++) {
            u[r] = picked.user(r);
            i[r] = picked.item(r);
            v[r] = picked.value(r);
        }
        Interactions shard =
                Interactions.ofIndices(
                        train.users(), train.items(), null, List.of(), u, i, v, null);
        assertThat(shard.sharesIndexWith(train)).isTrue();

        FactorModel next = RecommenderTrainer.create(config).continueTraining(start, shard, 2);

        assertThat(evaluator.evaluateRatings(next, shard).rmse())
                .isLessThan(evaluator.evaluateRatings(start, shard).rmse());
        int outside = train.numUsers() - 1; // a user of the other half: not in the shard
        assertThat(next.userVector(outside)).isEqualTo(start.userVector(outside));
        assertThat(next.userBias(outside)).isEqualTo(start.userBias(outside));
        assertThat(next.userVector(0)).isNotEqualTo(start.userVector(0));
    }

    @Test
    void continueTraining_refusesAnotherIdSpaceOrModelType() {
        Interactions train = sample.train();
        TrainingConfig config =
                config(ModelType.BPR_MF).factors(4).epochs(1).validationFraction(0).build();
        FactorModel start =
                RecommenderTrainer.create(config).fit(train, null, TrainingListener.NONE).model();
        Interactions other = Interactions.builder().add("x", "y", 1f, 0).build();
        assertThatThrownBy(
                        () -> RecommenderTrainer.create(config).continueTraining(start, other, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("are not the start model's")
                .hasMessageContaining("Interactions.ofIndices");
        TrainingConfig mf = config(ModelType.BIASED_MF).factors(4).build();
        assertThatThrownBy(() -> RecommenderTrainer.create(mf).continueTraining(start, train, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the start model is BPR_MF");
        assertThatThrownBy(
                        () ->
                                Interactions.ofIndices(
                                        train.users(),
                                        train.items(),
                                        null,
                                        List.of(),
                                        new int[] {train.numUsers()},
                                        new int[] {0},
                                        new float[] {1f},
                                        null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user index " + train.numUsers() + " is outside");
    }

    @Test
    void biasedMf_reducesLossAndBeatsTheBiasBaseline() {
        List<EpochStats> seen = new ArrayList<>();
        TrainingResult result =
                RecommenderTrainer.create(config(ModelType.BIASED_MF).build())
                        .fit(sample.train(), seen::add);
        double baseline =
                evaluator.evaluateRatings(BiasBaseline.fit(sample.train()), sample.test()).rmse();
        double mf = evaluator.evaluateRatings(result.model(), sample.test()).rmse();

        // Measured: bias baseline 0.950, MF 0.906. Personal taste must account for at least 0.03.
        assertThat(mf).isLessThan(baseline - 0.03);
        assertThat(seen).isEqualTo(result.epochs());
        assertThat(seen.get(seen.size() - 1).trainLoss()).isLessThan(0.8 * seen.get(0).trainLoss());
        assertThat(seen.get(0).validationMetric()).isEqualTo("rmse");
        assertThat(result.bestEpoch()).isGreaterThan(3);
        assertThat(result.bestValidationValue()).isLessThan(seen.get(0).validationValue());
        assertThat(result.model().properties())
                .containsEntry("type", "BIASED_MF")
                .containsEntry("bestEpoch", Integer.toString(result.bestEpoch()));
    }

    @Test
    void bprMf_beatsPopularityOnFullRanking() {
        TrainingResult result =
                RecommenderTrainer.create(config(ModelType.BPR_MF).build()).fit(sample.train());
        RankingMetrics pop =
                evaluator.evaluateRanking(
                        PopularityBaseline.fit(sample.train()), sample.train(), sample.test());
        RankingMetrics bpr =
                evaluator.evaluateRanking(result.model(), sample.train(), sample.test());

        // Measured: popularity NDCG@10 0.139 and Precision@10 0.132; BPR 0.309 and 0.270.
        assertThat(bpr.ndcg()).isGreaterThan(1.6 * pop.ndcg());
        assertThat(bpr.precision()).isGreaterThan(1.5 * pop.precision());
        assertThat(bpr.coverage()).isGreaterThan(2 * pop.coverage());
        assertThat(result.epochs().get(0).validationMetric()).isEqualTo("ndcg@10");
    }

    @Test
    void twoTower_beatsPopularityOnFullRanking() {
        TrainingResult result =
                RecommenderTrainer.create(config(ModelType.TWO_TOWER).epochs(8).build())
                        .fit(sample.train());
        RankingMetrics pop =
                evaluator.evaluateRanking(
                        PopularityBaseline.fit(sample.train()), sample.train(), sample.test());
        RankingMetrics towers =
                evaluator.evaluateRanking(result.model(), sample.train(), sample.test());

        // Measured: popularity NDCG@10 0.139, two-tower 0.29.
        assertThat(towers.ndcg()).isGreaterThan(1.5 * pop.ndcg());
        assertThat(towers.hitRate()).isGreaterThan(pop.hitRate());
        FactorModel model = result.model();
        assertThat(model.type()).isEqualTo(ModelType.TWO_TOWER);
        assertThat(model.globalBias()).isZero();
        assertThat(model.itemBias(0)).isZero();
    }

    private static Interactions small() {
        return SampleCatalog.builder()
                .users(150)
                .items(300)
                .ratings(6000)
                .seed(5)
                .build()
                .generate();
    }

    @Test
    void fit_isDeterministicUnderASeed(@TempDir Path dir) {
        Interactions data = small();
        for (ModelType type : ModelType.values()) {
            TrainingConfig c =
                    config(type).epochs(2).negatives(type == ModelType.TWO_TOWER ? 64 : 2).build();
            FactorModel a = RecommenderTrainer.create(c).fit(data).model();
            FactorModel b = RecommenderTrainer.create(c).fit(data).model();
            FactorModel other =
                    RecommenderTrainer.create(c.toBuilder().seed(c.seed() + 1).build())
                            .fit(data)
                            .model();

            float[] fa = new float[a.numItems() * a.dim()];
            float[] fb = new float[b.numItems() * b.dim()];
            float[] fo = new float[other.numItems() * other.dim()];
            a.itemFactors().get(fa);
            b.itemFactors().get(fb);
            other.itemFactors().get(fo);
            assertThat(fb).as(type + " same seed").containsExactly(fa);
            if (type != ModelType.EASE) { // closed form: no random initialisation to seed
                assertThat(fo).as(type + " other seed").isNotEqualTo(fa);
            }

            a.save(dir.resolve(type.name()));
            FactorModel loaded = FactorModel.load(dir.resolve(type.name()));
            for (int u = 0; u < 5; u++) {
                for (int i = 0; i < 5; i++) {
                    assertThat(loaded.score(u, i)).isEqualTo(a.score(u, i));
                }
            }
        }
    }

    @Test
    void fit_withoutValidationRunsEveryEpoch() {
        List<EpochStats> seen = new ArrayList<>();
        TrainingResult result =
                RecommenderTrainer.create(
                                config(ModelType.BPR_MF).epochs(3).validationFraction(0).build())
                        .fit(small(), seen::add);

        assertThat(seen).extracting(EpochStats::epoch).containsExactly(1, 2, 3);
        assertThat(seen).allMatch(s -> Double.isNaN(s.validationValue()));
        assertThat(seen).allMatch(s -> s.examplesPerSecond() > 0);
        assertThat(result.bestEpoch()).isEqualTo(3);
    }

    @Test
    void fit_reportsDivergence() {
        TrainingConfig wild = config(ModelType.BIASED_MF).learningRate(1e20f).epochs(2).build();

        assertThatThrownBy(() -> RecommenderTrainer.create(wild).fit(small()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("training diverged")
                .hasMessageContaining("lower the learning rate (was 1.0E20)");
    }

    @Test
    void fit_listenerExceptionAbortsTraining() {
        RecommenderTrainer trainer =
                RecommenderTrainer.create(config(ModelType.BIASED_MF).epochs(5).build());

        assertThatThrownBy(
                        () ->
                                trainer.fit(
                                        small(),
                                        stats -> {
                                            throw new IllegalStateException("cancelled by user");
                                        }))
                .hasMessageContaining("cancelled by user");
        // The trainer is usable again afterwards.
        assertThat(trainer.fit(small(), TrainingListener.NONE).epochs()).isNotEmpty();
    }

    @Test
    void fit_rejectsEmptyDataAndForeignValidationSets() {
        RecommenderTrainer trainer = RecommenderTrainer.create(config(ModelType.BIASED_MF).build());
        Interactions empty = Interactions.builder().build();
        Interactions foreign = Interactions.builder().add("x", "y", 3, 0).build();

        assertThatThrownBy(() -> trainer.fit(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("training set is empty");
        assertThatThrownBy(() -> trainer.fit(small(), foreign, TrainingListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("validation must share");
    }

    @Test
    void config_validatesValues() {
        assertThatThrownBy(() -> TrainingConfig.builder(ModelType.BPR_MF).factors(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("factors must be >= 1, was 0");
        assertThatThrownBy(() -> TrainingConfig.builder(ModelType.BPR_MF).learningRate(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("learningRate must be positive");
        assertThatThrownBy(
                        () ->
                                TrainingConfig.builder(ModelType.BPR_MF)
                                        .validationFraction(0.7)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("validationFraction must be in [0, 0.5)");
        TrainingConfig c = TrainingConfig.defaults(ModelType.BIASED_MF);
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.asProperties()).containsEntry("l2", "0.1").containsEntry("factors", "64");
    }

    @Test
    void config_refusesAbsurdThreadCountsAtTheSetter_andDefaultsToOneThread() {
        TrainingConfig.Builder b = TrainingConfig.builder(ModelType.BIASED_MF);

        assertThatThrownBy(() -> b.threads(100_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threads must be between 1 and 256, was 100000");
        assertThatThrownBy(() -> b.threads(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threads must be between 1 and 256, was 0");
        assertThatThrownBy(() -> b.epochs(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("epochs must be >= 1, was 0");
        assertThat(TrainingConfig.defaults(ModelType.BIASED_MF).threads()).isEqualTo(1);
        TrainingConfig most = b.threads(TrainingConfig.MAX_THREADS).build();
        assertThat(most.threads()).isEqualTo(256);
        assertThatThrownBy(
                        () ->
                                new TrainingConfig(
                                        most.type(),
                                        most.factors(),
                                        most.hiddenUnits(),
                                        most.epochs(),
                                        most.batchSize(),
                                        most.learningRate(),
                                        most.l2(),
                                        most.biasL2(),
                                        most.negatives(),
                                        most.patience(),
                                        most.validationFraction(),
                                        most.seed(),
                                        257))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads must be between 1 and 256");
    }
}
