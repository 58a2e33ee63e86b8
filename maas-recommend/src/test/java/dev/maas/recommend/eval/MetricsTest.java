package dev.maas.recommend.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each expected value below is worked out by hand in the comment beside it. */
class MetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void rmseAndMae_onThreeRatings() {
        float[] actual = {1, 2, 3};
        float[] predicted = {2, 2, 5};
        // errors 1, 0, 2: RMSE = sqrt((1 + 0 + 4) / 3), MAE = (1 + 0 + 2) / 3
        assertThat(Metrics.rmse(actual, predicted)).isCloseTo(Math.sqrt(5.0 / 3), within(EPS));
        assertThat(Metrics.mae(actual, predicted)).isCloseTo(1.0, within(EPS));
    }

    @Test
    void rankingMeasures_twoRelevantItemsOneFoundAtRankTwo() {
        int[] ranked = {3, 1, 4, 2, 5};
        int[] relevant = {1, 5};
        int k = 3;
        // Top 3 = 3, 1, 4: one hit (item 1) at rank 2.
        assertThat(Metrics.hitRate(ranked, k, relevant)).isEqualTo(1.0);
        assertThat(Metrics.precision(ranked, k, relevant)).isCloseTo(1.0 / 3, within(EPS));
        assertThat(Metrics.recall(ranked, k, relevant)).isCloseTo(0.5, within(EPS));
        // DCG = 1/log2(3); ideal: two hits at ranks 1 and 2 = 1 + 1/log2(3).
        double l3 = Math.log(3) / Math.log(2);
        assertThat(Metrics.ndcg(ranked, k, relevant))
                .isCloseTo((1 / l3) / (1 + 1 / l3), within(EPS));
        // AP@3 = (P@2 x 1) / min(3, 2) = 0.5 / 2.
        assertThat(Metrics.averagePrecision(ranked, k, relevant)).isCloseTo(0.25, within(EPS));
    }

    @Test
    void rankingMeasures_allHitsAtTheTop() {
        int[] ranked = {7, 9, 1, 2};
        int[] relevant = {7, 9};
        assertThat(Metrics.ndcg(ranked, 2, relevant)).isCloseTo(1.0, within(EPS));
        // AP@4 = (1/1 + 2/2) / 2 = 1.
        assertThat(Metrics.averagePrecision(ranked, 4, relevant)).isCloseTo(1.0, within(EPS));
        assertThat(Metrics.precision(ranked, 4, relevant)).isCloseTo(0.5, within(EPS));
    }

    @Test
    void rankingMeasures_missAndShortList() {
        int[] relevant = {4};
        assertThat(Metrics.hitRate(new int[] {1, 2}, 2, relevant)).isZero();
        assertThat(Metrics.ndcg(new int[] {1, 2}, 2, relevant)).isZero();
        assertThat(Metrics.averagePrecision(new int[] {1, 2}, 2, relevant)).isZero();
        // A list of 2 judged at K = 5 counts the 3 missing places as misses: P@5 = 1/5.
        assertThat(Metrics.precision(new int[] {4, 2}, 5, relevant)).isCloseTo(0.2, within(EPS));
        // Single relevant item at rank 3: NDCG = 1/log2(4) = 0.5, AP = 1/3.
        int[] ranked = {8, 9, 4};
        assertThat(Metrics.ndcg(ranked, 10, relevant)).isCloseTo(0.5, within(EPS));
        assertThat(Metrics.averagePrecision(ranked, 10, relevant)).isCloseTo(1.0 / 3, within(EPS));
        assertThat(Metrics.recall(ranked, 10, new int[0])).isZero();
    }

    @Test
    void averagePrecision_normalisesByKWhenMoreItemsAreRelevant() {
        // 5 relevant, K = 2, hits at ranks 1 and 2: AP@2 = (1 + 1) / min(2, 5) = 1.
        assertThat(Metrics.averagePrecision(new int[] {1, 2}, 2, new int[] {1, 2, 3, 4, 5}))
                .isCloseTo(1.0, within(EPS));
        // Hit only at rank 2: AP@2 = (1/2) / 2.
        assertThat(Metrics.averagePrecision(new int[] {9, 2}, 2, new int[] {1, 2, 3, 4, 5}))
                .isCloseTo(0.25, within(EPS));
    }

    @Test
    void coverage_countsDistinctItemsInTheFirstK() {
        List<int[]> lists = List.of(new int[] {0, 1, 9}, new int[] {1, 2, 8});
        // K = 2: items 0, 1, 2 of 10.
        assertThat(Metrics.coverage(lists, 2, 10)).isCloseTo(0.3, within(EPS));
    }

    @Test
    void topK_ordersByScoreThenLowerIndexAndSkipsExcluded() {
        float[] scores = {0.5f, 2f, 2f, -1f, 3f, 0.5f};
        boolean[] excluded = {false, false, false, false, true, false};

        assertThat(Metrics.topK(scores, 4, excluded)).containsExactly(1, 2, 0, 5);
        assertThat(Metrics.topK(scores, 2, null)).containsExactly(4, 1);
        assertThat(Metrics.topK(scores, 10, null)).containsExactly(4, 1, 2, 0, 5, 3);
    }

    @Test
    void topK_matchesAFullSortOnRandomScores() {
        java.util.Random random = new java.util.Random(5);
        float[] scores = new float[500];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = random.nextInt(50); // many ties
        }
        Integer[] all = new Integer[scores.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        java.util.Arrays.sort(
                all,
                (a, b) ->
                        scores[a] != scores[b]
                                ? Float.compare(scores[b], scores[a])
                                : Integer.compare(a, b));
        int[] expected = new int[20];
        for (int i = 0; i < 20; i++) {
            expected[i] = all[i];
        }
        assertThat(Metrics.topK(scores, 20, null)).containsExactly(expected);
    }

    @Test
    void arguments_areChecked() {
        assertThatThrownBy(() -> Metrics.rmse(new float[] {1}, new float[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("equal length, got 1 and 2");
        assertThatThrownBy(() -> Metrics.precision(new int[] {1}, 0, new int[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k must be >= 1, was 0");
    }
}
