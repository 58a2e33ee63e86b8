package dev.maas.recommend.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CrossValidationTest {
    private static final Interactions DATA =
            SampleCatalog.builder()
                    .users(120)
                    .items(150)
                    .ratings(5_000)
                    .minRatingsPerUser(15)
                    .seed(11)
                    .build()
                    .generate();

    private static CrossValidation.Model ease() {
        return new CrossValidation.Model(
                "EASE",
                (train, seed) ->
                        RecommenderTrainer.create(
                                        TrainingConfig.builder(ModelType.EASE).seed(seed).build())
                                .fit(train)
                                .model()
                                .asCandidate("EASE"));
    }

    @Test
    void run_reportsMeanStdOverFoldsAndSeeds_andAPairedTest() {
        List<String> seen = new ArrayList<>();
        CrossValidationReport report =
                new CrossValidation(3, 2, 42, Evaluator.builder().build())
                        .run(DATA, List.of(ease()), (s, f, m) -> seen.add(s + "/" + f + "/" + m));
        assertThat(seen).hasSize(2 * 3 * 4).contains("1/2/EASE");
        CrossValidationReport.Row ease = report.row("EASE");
        CrossValidationReport.Row popularity = report.row("popularity");
        assertThat(ease.ndcg().runs()).isEqualTo(6);
        assertThat(ease.ndcg().std()).isPositive();
        assertThat(ease.rmse().present()).isFalse();
        assertThat(ease.ndcg().mean()).isGreaterThan(popularity.ndcg().mean());
        // One pair per user, not per run.
        assertThat(ease.ndcgVsReference().n()).isLessThanOrEqualTo(DATA.numUsers());
        assertThat(ease.ndcgVsReference().meanDifference()).isPositive();
        assertThat(ease.ndcgVsReference().p()).isLessThan(0.01);
        assertThat(report.row("mean + biases").mseVsReference()).isNull();
        assertThat(report.row("global mean").mseVsReference().meanDifference()).isPositive();
        assertThat(report.toTable())
                .contains("3-fold cross-validation x 2 seeds")
                .contains("EASE")
                .contains(" ± ");
    }

    @Test
    void run_rejectsMoreFoldsThanUsers() {
        Interactions tiny =
                SampleCatalog.builder()
                        .users(6)
                        .items(20)
                        .ratings(120)
                        .minRatingsPerUser(5)
                        .seed(1)
                        .build()
                        .generate();
        assertThatThrownBy(
                        () ->
                                new CrossValidation(7, 1, 1, Evaluator.builder().build())
                                        .run(tiny, List.of(), (s, f, m) -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "folds (7) must not exceed the number of users with interactions (6):"
                                + " choose at most 6 folds");
    }

    @Test
    void constructor_rejectsTooFewFoldsOrSeeds() {
        Evaluator e = Evaluator.builder().build();
        assertThatThrownBy(() -> new CrossValidation(1, 1, 1, e))
                .hasMessage("folds must be >= 2, was 1");
        assertThatThrownBy(() -> new CrossValidation(2, 0, 1, e))
                .hasMessage("seeds must be >= 1, was 0");
    }
}
