package dev.maas.recommend.rerank;

import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.eval.ItemScorer;
import dev.maas.recommend.eval.Metrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Measures what re-ranking does to a model's lists: for each user with relevant test items, the
 * model's top {@code pool} unseen items are re-ranked into K, and the lists are scored for NDCG@K
 * (as {@link dev.maas.recommend.eval.Evaluator} defines it), catalogue coverage, intra-list
 * diversity (the mean of {@code 1 - similarity} over the pairs of items in a list, averaged over
 * users) and mean item time (how fresh the lists are). Stateless.
 */
public final class RerankEvaluation {
    private RerankEvaluation() {}

    /**
     * The measures of one re-ranking.
     *
     * @param ndcg mean NDCG@K over users
     * @param coverage distinct recommended items over the catalogue size
     * @param intraListDiversity mean pairwise dissimilarity within a list, averaged over users
     * @param meanItemTime mean time of the recommended items (epoch seconds; 0 without times)
     */
    public record Result(
            double ndcg, double coverage, double intraListDiversity, double meanItemTime) {}

    /**
     * Evaluates {@code reranker} on {@code model}'s top {@code pool} items per user.
     *
     * @param itemTimes item times for {@link Result#meanItemTime}, or {@code null}
     * @throws IllegalArgumentException if {@code pool < k} or no user has a relevant test item
     */
    public static Result evaluate(
            ItemScorer model,
            Interactions train,
            Interactions test,
            Reranker reranker,
            ItemSimilarity similarity,
            long[] itemTimes,
            int k,
            int pool) {
        Objects.requireNonNull(reranker, "reranker");
        Objects.requireNonNull(similarity, "similarity");
        if (pool < k) {
            throw new IllegalArgumentException("pool (" + pool + ") must be >= k (" + k + ")");
        }
        int n = train.numItems();
        float[] scores = new float[n];
        boolean[] excluded = new boolean[n];
        List<int[]> lists = new ArrayList<>();
        double ndcg = 0;
        double ild = 0;
        double time = 0;
        long timed = 0;
        int users = 0;
        for (int u = 0; u < train.numUsers(); u++) {
            int user = u;
            int[] relevant =
                    Arrays.stream(test.itemsOf(u)).filter(i -> !train.contains(user, i)).toArray();
            if (relevant.length == 0) {
                continue;
            }
            model.scoreAll(u, scores);
            int[] seen = train.itemsOf(u);
            for (int i : seen) {
                excluded[i] = true;
            }
            int[] top = Metrics.topK(scores, pool, excluded);
            for (int i : seen) {
                excluded[i] = false;
            }
            float[] topScores = new float[top.length];
            for (int c = 0; c < top.length; c++) {
                topScores[c] = scores[top[c]];
            }
            int[] list = reranker.rerank(top, topScores, k);
            lists.add(list);
            ndcg += Metrics.ndcg(list, k, relevant);
            double pairs = 0;
            double dissimilar = 0;
            for (int a = 0; a < list.length; a++) {
                for (int b = a + 1; b < list.length; b++) {
                    dissimilar += 1 - similarity.similarity(list[a], list[b]);
                    pairs++;
                }
                if (itemTimes != null && itemTimes[list[a]] != Long.MIN_VALUE) {
                    time += itemTimes[list[a]];
                    timed++;
                }
            }
            ild += pairs == 0 ? 0 : dissimilar / pairs;
            users++;
        }
        if (users == 0) {
            throw new IllegalArgumentException("no user has a relevant test item");
        }
        return new Result(
                ndcg / users,
                Metrics.coverage(lists, k, n),
                ild / users,
                timed == 0 ? 0 : time / timed);
    }
}
