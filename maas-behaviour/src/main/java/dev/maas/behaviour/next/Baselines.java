package dev.maas.behaviour.next;

import dev.maas.behaviour.data.BehaviourLog;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.train.FactorModel;

/**
 * The peers a next-item model is compared with, as {@link NextItemEvaluator.Scorer}s built from the
 * training log. Each is immutable and thread-safe.
 */
public final class Baselines {
    private Baselines() {}

    /** Scores items by how often they were watched in {@code train}. */
    public static NextItemEvaluator.Scorer popularity(BehaviourLog train) {
        float[] count = counts(train);
        return (user, history, out) -> System.arraycopy(count, 0, out, 0, out.length);
    }

    /**
     * Item-to-item co-occurrence in sequence ("people who watched this next watched"): scores item
     * {@code j} by how often it directly followed the history's last item in {@code train}, with
     * popularity breaking ties (and serving items never seen after it).
     */
    public static NextItemEvaluator.Scorer coOccurrence(BehaviourLog train) {
        int n = train.numItems();
        float[] count = counts(train);
        float maxCount = 1;
        for (float c : count) {
            maxCount = Math.max(maxCount, c);
        }
        java.util.Map<Integer, float[]> next = new java.util.HashMap<>();
        for (int u = 0; u < train.numUsers(); u++) {
            for (int r = train.start(u) + 1; r < train.end(u); r++) {
                next.computeIfAbsent(train.item(r - 1), k -> new float[n])[train.item(r)]++;
            }
        }
        float tie = 0.5f / maxCount;
        return (user, history, out) -> {
            float[] after = next.get(history[history.length - 1]);
            for (int j = 0; j < out.length; j++) {
                out[j] = (after == null ? 0 : after[j]) + tie * count[j];
            }
        };
    }

    /**
     * A factor model (BPR from maas-recommend's trainer) scoring items for the user, ignoring
     * order.
     *
     * @param interactions the interactions it was trained on (for the user index)
     */
    public static NextItemEvaluator.Scorer factors(
            BehaviourLog log, FactorModel model, Interactions interactions) {
        int[] userIndex = new int[log.numUsers()];
        for (int u = 0; u < userIndex.length; u++) {
            userIndex[u] = interactions.users().indexOf(log.userId(u));
        }
        float[] pop = counts(log);
        return (user, history, out) -> {
            int fu = userIndex[user];
            if (fu < 0) {
                System.arraycopy(pop, 0, out, 0, out.length);
            } else {
                model.scoreAll(fu, out);
            }
        };
    }

    /** The {@link NextItemModel}'s own scores. */
    public static NextItemEvaluator.Scorer of(NextItemModel model) {
        return (user, history, out) -> model.scores(history, out);
    }

    private static float[] counts(BehaviourLog log) {
        float[] c = new float[log.numItems()];
        for (int r = 0; r < log.size(); r++) {
            c[log.item(r)]++;
        }
        return c;
    }
}
