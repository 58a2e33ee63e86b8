package dev.maas.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecommenderPackageTest {
    @TempDir Path tmp;

    private final RecommenderFixture fx = new RecommenderFixture(3, 12, 20, 4, 5);

    @Test
    void build_withoutModelOrData_failsNamingWhatIsMissing() {
        assertThatThrownBy(() -> RecommenderPackage.builder().trainingData(fx.train).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("model is not set");
        assertThatThrownBy(() -> RecommenderPackage.builder().model(fx.model).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("trainingData is not set");
    }

    @Test
    void build_modelOfOtherData_failsWithBothSizes() {
        RecommenderFixture other = new RecommenderFixture(4, 13, 20, 4, 5);

        assertThatThrownBy(
                        () ->
                                RecommenderPackage.builder()
                                        .model(fx.model)
                                        .trainingData(other.train)
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("12 users, 20 items")
                .hasMessageContaining("13 users, 20 items");
    }

    @Test
    void metric_rejectsNonFiniteValues() {
        assertThatThrownBy(() -> RecommenderPackage.builder().metric("rmse", Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("metric rmse is NaN");
    }

    @Test
    void writeTo_thenCardOf_keepsMetricsSummaryAndProperties() {
        Path dir =
                RecommenderPackage.builder()
                        .model(fx.model)
                        .trainingData(fx.train)
                        .summary(new DataSummary("logs", 12, 20, 80, 60, 20, "random 25%"))
                        .metrics(Map.of("rmse", 0.91, "ndcg@10", 0.3))
                        .property("source.path", "/data/logs")
                        .owner("personalisation")
                        .tags("tv")
                        .build()
                        .writeTo(tmp.resolve("run"));

        ModelCard card = RecommenderPackage.cardOf("shows", dir);

        assertThat(card.task()).isEqualTo("recommendation");
        assertThat(card.engine()).isEqualTo("maas-recommend");
        assertThat(card.format()).isEqualTo("factors");
        assertThat(card.metrics()).isEqualTo(Map.of("rmse", 0.91, "ndcg@10", 0.3));
        assertThat(DataSummary.of(card))
                .isEqualTo(new DataSummary("logs", 12, 20, 80, 60, 20, "random 25%"));
        assertThat(card.properties())
                .containsEntry("source.path", "/data/logs")
                .containsEntry("recommender.kind", "biased-mf")
                .containsEntry(RecommenderPackage.FACTORS_FORMAT_PROPERTY, "safetensors")
                .containsEntry("maas.artifact", "dev.maas:maas-recommend")
                .containsEntry("train.seed", "3");
        assertThat(card.owner()).isEqualTo("personalisation");
        assertThat(card.tags()).contains("recommendation", "biased-mf", "tv");
    }

    @Test
    void cardOf_aFolderWithoutARecommender_isRejected() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty"));

        assertThatThrownBy(() -> RecommenderPackage.cardOf("shows", dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not hold a recommender")
                .hasMessageContaining("recommender.properties");
    }
}
