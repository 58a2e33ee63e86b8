package dev.maas.behaviour.next;

import dev.maas.behaviour.data.BehaviourLog;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Leave-last-out evaluation of next-item scorers: each user's last event is the target, the events
 * before it the history (the model was trained on {@link BehaviourLog#withoutLast()}, so it never
 * saw a target). Items already in the history are not ranked (no model recommends them again);
 * users with fewer than two events, or whose target is already in their history, are skipped.
 *
 * <ul>
 *   <li><b>Full ranking</b>: the target's rank among every item not in the history; HR@k is the
 *       share of users whose target ranks in the top {@code k}, NDCG@k the mean of {@code 1 /
 *       log2(rank + 2)} for those (0-based rank), 0 otherwise.
 *   <li><b>Sampled (1 vs 100)</b>: the target's rank among itself and 100 items drawn uniformly
 *       without replacement from those not in the history (seeded); same HR@k and NDCG@k. Sampled
 *       numbers are much higher than full-ranking ones and only comparable with each other.
 * </ul>
 *
 * <p>Ties count against the target (an item scoring equal to it ranks above), so a constant scorer
 * gets no credit. Stateless and thread-safe.
 */
public final class NextItemEvaluator {
    /** Negatives per user in the sampled protocol. */
    public static final int SAMPLED_NEGATIVES = 100;

    private NextItemEvaluator() {}

    /** Scores every item as the next one for a user with {@code history} (oldest first). */
    @FunctionalInterface
    public interface Scorer {
        /**
         * Writes one score per item into {@code out}; higher is more likely.
         *
         * @param user the user's index in the log
         * @param history the user's items before the target, oldest first
         */
        void score(int user, int[] history, float[] out);
    }

    /**
     * HR@k and NDCG@k under both protocols.
     *
     * @param k the cut-off
     * @param hr full-ranking hit rate
     * @param ndcg full-ranking NDCG
     * @param sampledHr hit rate against 100 sampled negatives
     * @param sampledNdcg NDCG against 100 sampled negatives
     * @param users users evaluated
     */
    public record Result(
            int k, double hr, double ndcg, double sampledHr, double sampledNdcg, int users) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "HR@%d %.4f, NDCG@%d %.4f; sampled 1-vs-100: HR@%d %.4f, NDCG@%d %.4f (%d"
                            + " users)",
                    k,
                    hr,
                    k,
                    ndcg,
                    k,
                    sampledHr,
                    k,
                    sampledNdcg,
                    users);
        }
    }

    /**
     * Evaluates {@code scorer} on the last event of every user of {@code full}.
     *
     * @param seed seed of the sampled negatives (use the same for every scorer compared)
     */
    public static Result evaluate(BehaviourLog full, Scorer scorer, int k, long seed) {
        int items = full.numItems();
        float[] scores = new float[items];
        boolean[] inHistory = new boolean[items];
        SplittableRandom random = new SplittableRandom(seed);
        double hr = 0;
        double ndcg = 0;
        double shr = 0;
        double sndcg = 0;
        int users = 0;
        for (int u = 0; u < full.numUsers(); u++) {
            SplittableRandom userRandom = random.split(); // same negatives whatever is skipped
            int start = full.start(u);
            int end = full.end(u);
            if (end - start < 2) {
                continue;
            }
            int target = full.item(end - 1);
            int[] history = new int[end - 1 - start];
            for (int r = start; r < end - 1; r++) {
                history[r - start] = full.item(r);
            }
            java.util.Arrays.fill(inHistory, false);
            for (int i : history) {
                inHistory[i] = true;
            }
            if (inHistory[target]) {
                continue;
            }
            scorer.score(u, history, scores);
            float t = scores[target];
            int rank = 0;
            for (int i = 0; i < items; i++) {
                if (i != target && !inHistory[i] && !(scores[i] < t)) {
                    rank++;
                }
            }
            users++;
            if (rank < k) {
                hr++;
                ndcg += 1 / log2(rank + 2);
            }
            int candidates = items - history.length - 1;
            int draw = Math.min(SAMPLED_NEGATIVES, candidates);
            int srank = 0;
            int[] pool = new int[candidates];
            int c = 0;
            for (int i = 0; i < items; i++) {
                if (i != target && !inHistory[i]) {
                    pool[c++] = i;
                }
            }
            for (int s = 0; s < draw; s++) {
                int j = s + userRandom.nextInt(candidates - s);
                int tmp = pool[s];
                pool[s] = pool[j];
                pool[j] = tmp;
                if (!(scores[pool[s]] < t)) {
                    srank++;
                }
            }
            if (srank < k) {
                shr++;
                sndcg += 1 / log2(srank + 2);
            }
        }
        if (users == 0) {
            throw new IllegalArgumentException("no user has a history and a new last item");
        }
        return new Result(k, hr / users, ndcg / users, shr / users, sndcg / users, users);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
