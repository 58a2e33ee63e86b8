package dev.maas.recommend.rerank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RerankerTest {
    static Split split;
    static FactorModel model;
    static ItemSimilarity genres;

    @BeforeAll
    static void train() {
        Interactions all =
                SampleCatalog.builder()
                        .users(200)
                        .items(300)
                        .ratings(10_000)
                        .minRatingsPerUser(15)
                        .seed(8)
                        .build()
                        .generate();
        split = Splits.randomHoldout(all, 0.2, 2);
        model =
                RecommenderTrainer.create(TrainingConfig.defaults(ModelType.EASE))
                        .fit(split.train())
                        .model();
        genres = ItemSimilarity.genres(split.train().catalogue());
    }

    @Test
    void diversityWeight_raisesIntraListDiversity_atSomeCostInNdcg() {
        List<RerankEvaluation.Result> results = new ArrayList<>();
        double[] weights = {0, 0.3, 0.6, 0.9};
        for (double w : weights) {
            Reranker r = Reranker.builder().diversity(w, genres).build();
            RerankEvaluation.Result res =
                    RerankEvaluation.evaluate(
                            model, split.train(), split.test(), r, genres, null, 10, 50);
            results.add(res);
            System.out.printf(
                    Locale.ROOT,
                    "MMR genre weight %.1f: NDCG@10 %.4f, coverage %.4f, intra-list diversity"
                            + " %.4f%n",
                    w,
                    res.ndcg(),
                    res.coverage(),
                    res.intraListDiversity());
        }
        for (int j = 1; j < results.size(); j++) {
            assertThat(results.get(j).intraListDiversity())
                    .isGreaterThan(results.get(j - 1).intraListDiversity());
        }
        // Weight 0 is the model's own order.
        Reranker none = Reranker.builder().build();
        assertThat(
                        RerankEvaluation.evaluate(
                                        model,
                                        split.train(),
                                        split.test(),
                                        none,
                                        genres,
                                        null,
                                        10,
                                        50)
                                .ndcg())
                .isEqualTo(results.get(0).ndcg());
        assertThat(results.get(3).ndcg()).isLessThan(results.get(0).ndcg());
    }

    @Test
    void freshnessBoost_makesListsNewer() {
        // The sample's items all appear within its first days, so give them release times one
        // day apart (item i released on day i) for the boost to have ages to tell apart.
        long day = 86_400;
        long[] debuts = new long[split.train().numItems()];
        for (int i = 0; i < debuts.length; i++) {
            debuts[i] = i * day;
        }
        long now = debuts.length * day;
        assertThat(Reranker.debuts(split.train())).hasSize(debuts.length);
        double previous = Double.NEGATIVE_INFINITY;
        for (double w : new double[] {0, 0.5, 2}) {
            Reranker r = Reranker.builder().freshness(debuts, now, Duration.ofDays(30), w).build();
            RerankEvaluation.Result res =
                    RerankEvaluation.evaluate(
                            model, split.train(), split.test(), r, genres, debuts, 10, 50);
            System.out.printf(
                    Locale.ROOT,
                    "freshness weight %.1f (half-life 30 days): NDCG@10 %.4f, coverage %.4f,"
                            + " mean release day %.1f%n",
                    w,
                    res.ndcg(),
                    res.coverage(),
                    res.meanItemTime() / day);
            assertThat(res.meanItemTime()).isGreaterThan(previous);
            previous = res.meanItemTime();
        }
    }

    @Test
    void rerank_mmrByHand() {
        // Items 0 and 1 share a genre, 2 has another; scores 1.0, 0.9, 0.5.
        List<ItemInfo> cat =
                List.of(
                        new ItemInfo("a", "A", List.of("Drama")),
                        new ItemInfo("b", "B", List.of("Drama")),
                        new ItemInfo("c", "C", List.of("Comedy")));
        ItemSimilarity sim = ItemSimilarity.genres(cat);
        int[] candidates = {0, 1, 2};
        float[] scores = {1f, 0.9f, 0.5f};
        assertThat(Reranker.builder().build().rerank(candidates, scores, 3))
                .containsExactly(0, 1, 2);
        // With weight 0.5: after 0, item 1 scores 0.5 x 0.8 - 0.5 x 1 < item 2's 0.5 x 0 - 0.
        assertThat(Reranker.builder().diversity(0.5, sim).build().rerank(candidates, scores, 3))
                .containsExactly(0, 2, 1);
    }

    @Test
    void builder_rejectsBadWeights() {
        assertThatThrownBy(() -> Reranker.builder().diversity(1, genres))
                .hasMessage(
                        "diversity weight must be in [0, 1) (1 would ignore relevance), was 1.0");
        assertThatThrownBy(() -> Reranker.builder().freshness(new long[1], 0, Duration.ZERO, 1))
                .hasMessage("half-life must be positive, was PT0S");
    }
}
