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
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EASE, iALS and SVD++ on a small sample catalogue: they learn, save, load and fail clearly. */
class SolvedModelsTest {
    static Split split;
    static final Evaluator EVAL = Evaluator.builder().k(10).build();
    @TempDir Path tmp;

    @BeforeAll
    static void data() {
        Interactions all =
                SampleCatalog.builder()
                        .users(200)
                        .items(300)
                        .ratings(10_000)
                        .minRatingsPerUser(15)
                        .seed(3)
                        .build()
                        .generate();
        split = Splits.randomHoldout(all, 0.2, 1);
    }

    private static double ndcg(dev.maas.recommend.eval.ItemScorer m) {
        return EVAL.evaluateRanking(m, split.train(), split.test()).ndcg();
    }

    @Test
    void ease_ranksFarAbovePopularity_andSavesAndLoadsExactly() {
        TrainingResult r =
                RecommenderTrainer.create(TrainingConfig.defaults(ModelType.EASE))
                        .fit(split.train());
        FactorModel m = r.model();
        assertThat(m.type()).isEqualTo(ModelType.EASE);
        assertThat(m.dim()).isEqualTo(split.train().numItems());
        double popularity = ndcg(PopularityBaseline.fit(split.train()));
        double ease = ndcg(m);
        assertThat(ease).isGreaterThan(popularity * 1.2);
        // The diagonal of B is zero: an item never recommends itself.
        assertThat(m.itemVector(5)[5]).isZero();
        m.save(tmp.resolve("ease"));
        FactorModel loaded = FactorModel.load(tmp.resolve("ease"));
        assertThat(loaded.type()).isEqualTo(ModelType.EASE);
        assertThat(loaded.score(3, 7)).isEqualTo(m.score(3, 7));
        assertThat(loaded.properties()).containsEntry("l2", "500.0");
    }

    @Test
    void ease_rejectsCataloguesAboveItsLimit() {
        assertThatThrownBy(() -> EaseSolver.checkSize(10, ModelType.EASE_MAX_ITEMS + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most " + ModelType.EASE_MAX_ITEMS + " items")
                .hasMessageContaining("this catalogue has " + (ModelType.EASE_MAX_ITEMS + 1));
        assertThatThrownBy(() -> EaseSolver.checkSize(300_000, 9_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("300000 users x 9000 items");
    }

    @Test
    void ials_learns_isDeterministic_andStopsEarly() {
        TrainingConfig config = TrainingConfig.builder(ModelType.IALS).factors(16).build();
        TrainingResult a = RecommenderTrainer.create(config).fit(split.train());
        TrainingResult b = RecommenderTrainer.create(config).fit(split.train());
        assertThat(a.model().userVector(4)).containsExactly(b.model().userVector(4));
        assertThat(ndcg(a.model())).isGreaterThan(ndcg(PopularityBaseline.fit(split.train())));
        // The loss falls from the first epoch to the best.
        assertThat(a.epochs().get(a.bestEpoch() - 1).trainLoss())
                .isLessThan(a.epochs().get(0).trainLoss());
        assertThat(a.model().properties())
                .containsEntry("alpha", "5.0")
                .containsEntry("retrainOnAll", "true")
                .containsKey("retrainedEpochs");
    }

    @Test
    void svdpp_predictsRatingsBetterThanBiases() {
        TrainingResult r =
                RecommenderTrainer.create(TrainingConfig.defaults(ModelType.SVDPP))
                        .fit(split.train());
        double svdpp = EVAL.evaluateRatings(r.model(), split.test()).rmse();
        double biases = EVAL.evaluateRatings(BiasBaseline.fit(split.train()), split.test()).rmse();
        assertThat(svdpp).isLessThan(biases);
        assertThat(r.model().type().predictsRatings()).isTrue();
        assertThat(r.model().predictRating(0, 0)).isBetween(1f, 5f);
    }

    @Test
    void retrainOnAll_trainsTheChosenEpochsOnEveryRow() {
        TrainingConfig once =
                TrainingConfig.builder(ModelType.SVDPP).epochs(8).retrainOnAll(false).build();
        TrainingResult without = RecommenderTrainer.create(once).fit(split.train());
        TrainingResult with =
                RecommenderTrainer.create(once.toBuilder().retrainOnAll(true).build())
                        .fit(split.train());
        assertThat(without.model().properties().get("trainRows"))
                .isNotEqualTo(Integer.toString(split.train().size()));
        assertThat(with.model().properties())
                .containsEntry("retrainedRows", Integer.toString(split.train().size()))
                .containsEntry("retrainedEpochs", Integer.toString(without.bestEpoch()));
    }
}
