package dev.maas.recommend.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.data.Splits;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    private static final double EPS = 1e-9;

    /** The same fixed score for every user: item index -> score. */
    private record FixedScores(float[] scores) implements ItemScorer {
        @Override
        public int numItems() {
            return scores.length;
        }

        @Override
        public void scoreAll(int user, float[] out) {
            System.arraycopy(scores, 0, out, 0, scores.length);
        }
    }

    /**
     * Three users, six items. Train: u0 {0, 1}, u1 {2}, u2 {0}. Test: u0 {2, 3}, u1 {0}; u2 has no
     * test rows and is not evaluated.
     */
    private static Split tiny() {
        Interactions.Builder b = Interactions.builder();
        for (int i = 0; i < 6; i++) {
            b.add("warmup", "i" + i, 1, 0); // registers items 0..5 in order; row dropped below
        }
        b.add("u0", "i0", 4, 1).add("u0", "i1", 5, 2).add("u1", "i2", 3, 3).add("u2", "i0", 2, 4);
        b.add("u0", "i2", 4, 5).add("u0", "i3", 1, 6).add("u1", "i0", 5, 7);
        Interactions all = b.build();
        return new Split(all.select(new int[] {6, 7, 8, 9}), all.select(new int[] {10, 11, 12}));
    }

    @Test
    void fullRanking_matchesHandComputedValues() {
        Split s = tiny();
        // Scores by item: 1, 5, 4, 6, 2, 3 -> order 3, 1, 2, 5, 4, 0 (indices shifted by the
        // warm-up user: users are warmup=0, u0=1, u1=2, u2=3).
        ItemScorer model = new FixedScores(new float[] {1, 5, 4, 6, 2, 3});
        RankingMetrics m =
                Evaluator.builder().k(5).build().evaluateRanking(model, s.train(), s.test());

        // u0: excludes 0, 1 -> list 3, 2, 5, 4; relevant {2, 3} at ranks 2 and 1.
        //     HR 1, P 2/5, R 1, NDCG 1, AP (1/1 + 2/2) / 2 = 1.
        // u1: excludes 2 -> list 3, 1, 5, 4, 0; relevant {0} at rank 5.
        //     HR 1, P 1/5, R 1, NDCG 1/log2(6), AP (1/5) / 1.
        assertThat(m.users()).isEqualTo(2);
        assertThat(m.hitRate()).isCloseTo(1.0, within(EPS));
        assertThat(m.precision()).isCloseTo((0.4 + 0.2) / 2, within(EPS));
        assertThat(m.recall()).isCloseTo(1.0, within(EPS));
        assertThat(m.ndcg()).isCloseTo((1 + Math.log(2) / Math.log(6)) / 2, within(EPS));
        assertThat(m.map()).isCloseTo((1 + 0.2) / 2, within(EPS));
        // Lists cover items 3, 2, 5, 4, 1, 0: the whole catalogue.
        assertThat(m.coverage()).isCloseTo(1.0, within(EPS));

        RankingMetrics top2 =
                Evaluator.builder().k(2).build().evaluateRanking(model, s.train(), s.test());
        // u0 top 2 = 3, 2 (both relevant); u1 top 2 = 3, 1 (miss). Coverage {1, 2, 3} = 3/6.
        assertThat(top2.hitRate()).isCloseTo(0.5, within(EPS));
        assertThat(top2.precision()).isCloseTo(0.5, within(EPS));
        assertThat(top2.ndcg()).isCloseTo(0.5, within(EPS));
        assertThat(top2.coverage()).isCloseTo(0.5, within(EPS));
    }

    @Test
    void sampledProtocol_ranksEachPositiveAgainstUnseenNegatives() {
        Split s = tiny();
        ItemScorer model = new FixedScores(new float[] {1, 5, 4, 6, 2, 3});
        RankingMetrics m =
                Evaluator.builder()
                        .k(1)
                        .protocol(RankingProtocol.sampled(99, 7))
                        .build()
                        .evaluateRanking(model, s.train(), s.test());

        // u0 may only draw negatives from {4, 5} (0, 1 trained, 2, 3 tested): positives 2 (score
        // 4) and 3 (score 6) both beat scores 2 and 3 -> HR 1. u1 draws from {1, 3, 4, 5}:
        // positive 0 (score 1) is last -> HR 0.
        assertThat(m.hitRate()).isCloseTo(0.5, within(EPS));
        assertThat(m.ndcg()).isCloseTo(0.5, within(EPS));
    }

    @Test
    void sampledProtocol_drawsDistinctNegativesOutsideTheUsersItems() {
        Interactions.Builder b = Interactions.builder();
        for (int i = 0; i < 300; i++) {
            b.add("u", "i" + i, 1, i); // 300 rows of one user: catalogue of 300 items
        }
        Interactions all = b.build();
        int[] trainRows = new int[50];
        int[] testRows = new int[5];
        for (int k = 0; k < 50; k++) {
            trainRows[k] = k * 2;
        }
        for (int k = 0; k < 5; k++) {
            testRows[k] = 201 + k;
        }
        Interactions train = all.select(trainRows);
        Interactions test = all.select(testRows);
        Map<Integer, List<Integer>> asked = new ConcurrentHashMap<>();
        ItemScorer recording =
                new ItemScorer() {
                    @Override
                    public int numItems() {
                        return 300;
                    }

                    @Override
                    public void scoreAll(int user, float[] scores) {
                        throw new AssertionError("the sampled protocol scores only candidates");
                    }

                    @Override
                    public void scoreItems(int user, int[] items, float[] scores) {
                        List<Integer> list = new ArrayList<>();
                        for (int i : items) {
                            list.add(i);
                        }
                        asked.put(items[0], list);
                        java.util.Arrays.fill(scores, 0f);
                    }
                };
        Evaluator.builder()
                .protocol(RankingProtocol.sampled(99, 3))
                .build()
                .evaluateRanking(recording, train, test);

        assertThat(asked).hasSize(5);
        Set<Integer> own = new HashSet<>();
        for (int r : trainRows) {
            own.add(all.item(r));
        }
        for (int r : testRows) {
            own.add(all.item(r));
        }
        for (Map.Entry<Integer, List<Integer>> e : asked.entrySet()) {
            List<Integer> negatives = e.getValue().subList(1, e.getValue().size());
            assertThat(negatives).hasSize(99).doesNotHaveDuplicates();
            assertThat(negatives).doesNotContainAnyElementsOf(own);
        }
    }

    @Test
    void sampledProtocol_isReproducibleForASeed() {
        Split s = tiny();
        ItemScorer model = new FixedScores(new float[] {1, 5, 4, 6, 2, 3});
        Evaluator e = Evaluator.builder().protocol(RankingProtocol.sampled(3, 11)).build();

        assertThat(e.evaluateRanking(model, s.train(), s.test()))
                .isEqualTo(e.evaluateRanking(model, s.train(), s.test()));
    }

    @Test
    void relevanceThreshold_dropsLowRatedTestItems() {
        Split s = tiny();
        ItemScorer model = new FixedScores(new float[] {1, 5, 4, 6, 2, 3});
        RankingMetrics m =
                Evaluator.builder()
                        .k(1)
                        .relevanceThreshold(4)
                        .build()
                        .evaluateRanking(model, s.train(), s.test());

        // u0 keeps only item 2 (rated 4; item 3 was rated 1): top 1 = 3 -> miss. u1: item 0
        // (rated 5), top 1 = 3 -> miss.
        assertThat(m.users()).isEqualTo(2);
        assertThat(m.hitRate()).isZero();
    }

    @Test
    void evaluateRatings_computesRmseAndMae() {
        Split s = tiny();
        // Test ratings 4, 1, 5; predicting 3 everywhere: errors 1, 2, 2.
        RatingMetrics m = Evaluator.builder().build().evaluateRatings((u, i) -> 3f, s.test());

        assertThat(m.count()).isEqualTo(3);
        assertThat(m.rmse()).isCloseTo(Math.sqrt(9.0 / 3), within(EPS));
        assertThat(m.mae()).isCloseTo(5.0 / 3, within(EPS));
    }

    @Test
    void compare_addsBaselinesAndPrintsATable() {
        Split s = tiny();
        EvaluationReport report =
                Evaluator.builder()
                        .k(2)
                        .build()
                        .compare(
                                s.train(),
                                s.test(),
                                List.of(
                                        Candidate.ranking(
                                                "fixed",
                                                new FixedScores(new float[] {1, 5, 4, 6, 2, 3}))));

        assertThat(report.rows())
                .extracting(EvaluationReport.Row::model)
                .containsExactly("global mean", "mean + biases", "popularity", "fixed");
        assertThat(report.row("global mean").orElseThrow().ranking()).isNull();
        assertThat(report.row("popularity").orElseThrow().ratings()).isNull();
        assertThat(report.row("fixed").orElseThrow().ranking().hitRate())
                .isCloseTo(0.5, within(EPS));
        String table = report.toTable();
        assertThat(table).contains("HR@2", "NDCG@2", "RMSE", "Coverage", "full ranking");
        assertThat(table.lines().filter(l -> l.startsWith("popularity")).findFirst().orElseThrow())
                .matches("popularity\\s+-\\s+-\\s+\\d\\.\\d{4}.*");
        assertThat(report.row("fixed").orElseThrow().asMap()).containsKeys("hr@2", "ndcg@2");
    }

    @Test
    void results_doNotDependOnParallelism() {
        Interactions data =
                dev.maas.recommend.data.SampleCatalog.builder()
                        .users(200)
                        .items(400)
                        .ratings(8000)
                        .build()
                        .generate();
        Split s = Splits.randomHoldout(data, 0.2, 1);
        ItemScorer pop = PopularityBaseline.fit(s.train());

        assertThat(
                        Evaluator.builder()
                                .parallel(false)
                                .build()
                                .evaluateRanking(pop, s.train(), s.test()))
                .isEqualTo(Evaluator.builder().build().evaluateRanking(pop, s.train(), s.test()));
    }

    @Test
    void evaluateRanking_rejectsMismatchedInputs() {
        Split s = tiny();
        assertThatThrownBy(
                        () ->
                                Evaluator.builder()
                                        .build()
                                        .evaluateRanking(
                                                new FixedScores(new float[3]), s.train(), s.test()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scores 3 items but the catalogue has 6");
        Interactions other = Interactions.builder().add("x", "y", 1, 0).build();
        assertThatThrownBy(
                        () ->
                                Evaluator.builder()
                                        .build()
                                        .evaluateRanking(
                                                new FixedScores(new float[6]), s.train(), other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("share user and item id maps");
    }
}
