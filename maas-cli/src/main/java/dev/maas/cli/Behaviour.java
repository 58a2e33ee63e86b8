package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.behaviour.churn.ChurnScorer;
import dev.maas.behaviour.churn.ChurnTrainer;
import dev.maas.behaviour.data.BehaviourLog;
import dev.maas.behaviour.data.BehaviourSimulator;
import dev.maas.behaviour.features.FeatureBuilder;
import dev.maas.behaviour.next.Baselines;
import dev.maas.behaviour.next.NextItemEvaluator;
import dev.maas.behaviour.next.NextItemModel;
import dev.maas.behaviour.next.NextItemRecommender;
import dev.maas.behaviour.next.NextItemTrainer;
import dev.maas.recommend.ScoredItem;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The behaviour models in the CLI: {@code maas train --model next-item|churn} and the demo's "what
 * next, and will they stay" section, both on the generated behaviour sample.
 */
final class Behaviour {
    static final String NEXT_ITEM = "next-item";
    static final String CHURN = "churn";
    private static final long DAY = BehaviourSimulator.DAY;
    private static final int TEST_DAY = 59;
    private static final List<Integer> TRAIN_DAYS = List.of(24, 31, 38, 45);

    private Behaviour() {}

    static boolean handles(String model) {
        return NEXT_ITEM.equals(model) || CHURN.equals(model);
    }

    /** {@code maas train --model next-item|churn}: trains, evaluates, prints, publishes. */
    static int train(
            PrintWriter out,
            RepoOptions repo,
            String model,
            String name,
            boolean publish,
            String alias,
            long seed,
            Integer epochs) {
        long start = System.nanoTime();
        int users = CHURN.equals(model) ? 2000 : 600;
        BehaviourLog log = BehaviourSimulator.builder().users(users).seed(seed).build().generate();
        out.println("Behaviour sample: " + log + " over 70 days (seed " + seed + ")");
        ModelCard card = null;
        if (NEXT_ITEM.equals(model)) {
            out.println("Training the next-item model (self-attention over the last 20 titles)...");
            BehaviourLog train = log.withoutLast();
            NextItemTrainer trainer =
                    NextItemTrainer.defaults(seed)
                            .dim(32)
                            .batchSize(512)
                            .learningRate(0.01f)
                            .epochs(epochs == null ? 4 : epochs);
            NextItemModel m = trainer.fit(train);
            NextItemEvaluator.Result next = NextItemEvaluator.evaluate(log, Baselines.of(m), 10, 1);
            NextItemEvaluator.Result cooc =
                    NextItemEvaluator.evaluate(log, Baselines.coOccurrence(train), 10, 1);
            NextItemEvaluator.Result pop =
                    NextItemEvaluator.evaluate(log, Baselines.popularity(train), 10, 1);
            out.println("Leave-last-out, history items excluded from the ranking:");
            out.println("  next-item      " + next);
            out.println("  co-occurrence  " + cooc);
            out.println("  popularity     " + pop);
            if (publish) {
                Map<String, Double> metrics = new LinkedHashMap<>();
                metrics.put("hr@10", next.hr());
                metrics.put("ndcg@10", next.ndcg());
                metrics.put("sampled_hr@10", next.sampledHr());
                metrics.put("sampled_ndcg@10", next.sampledNdcg());
                metrics.put("baseline.cooccurrence.ndcg@10", cooc.ndcg());
                metrics.put("baseline.popularity.ndcg@10", pop.ndcg());
                try (ModelService maas = repo.open()) {
                    card = NextItemRecommender.publish(maas, name, m, metrics);
                    alias(maas, out, card, alias);
                }
            }
        } else {
            out.println(
                    "Training churn (returns within 7 days) with XGBoost on weekly snapshots...");
            ChurnTrainer.Result r =
                    ChurnTrainer.defaults(seed)
                            .train(log, cuts(), BehaviourSimulator.dayStart(TEST_DAY), 7 * DAY);
            out.println("Test snapshot (day " + TEST_DAY + "):");
            out.println("  gradient-boosted trees  " + r.trees());
            out.println("  logistic regression     " + r.logistic());
            if (publish) {
                try (ModelService maas = repo.open()) {
                    card = ChurnTrainer.publish(maas, name, r);
                    alias(maas, out, card, alias);
                }
            }
        }
        if (card != null) {
            out.println("Published " + card.ref());
        }
        out.println("Done in " + Format.seconds(System.nanoTime() - start) + ".");
        return 0;
    }

    private static List<Long> cuts() {
        return TRAIN_DAYS.stream().map(BehaviourSimulator::dayStart).toList();
    }

    private static void alias(ModelService maas, PrintWriter out, ModelCard card, String alias) {
        if (alias != null) {
            maas.setAlias(card.name(), alias, card.version());
            out.println(card.name() + "@" + alias + " -> " + card.ref());
        }
    }

    /**
     * The demo's behaviour section: trains and publishes both models on the first run (reuses them
     * later), then prints each demo user's recent titles, predicted next titles and churn risk.
     */
    static void demo(PrintWriter out, ModelService maas, List<String> users, boolean retrain) {
        long t0 = System.nanoTime();
        BehaviourLog log = BehaviourSimulator.builder().users(600).seed(42).build().generate();
        String nextName = "demo-next-item";
        String churnName = "demo-churn";
        boolean have =
                maas.models().contains(nextName)
                        && maas.models().contains(churnName)
                        && maas.aliases(nextName).containsKey(DemoCommand.ALIAS)
                        && maas.aliases(churnName).containsKey(DemoCommand.ALIAS);
        if (retrain || !have) {
            NextItemModel m =
                    NextItemTrainer.defaults(42)
                            .dim(32)
                            .batchSize(512)
                            .learningRate(0.01f)
                            .epochs(3)
                            .fit(log);
            ModelCard nc = NextItemRecommender.publish(maas, nextName, m, Map.of());
            maas.setAlias(nextName, DemoCommand.ALIAS, nc.version());
            ChurnTrainer.Result r =
                    ChurnTrainer.defaults(42)
                            .train(log, cuts(), BehaviourSimulator.dayStart(TEST_DAY), 7 * DAY);
            ModelCard cc = ChurnTrainer.publish(maas, churnName, r);
            maas.setAlias(churnName, DemoCommand.ALIAS, cc.version());
            out.println(
                    "Trained and published "
                            + nc.ref()
                            + " and "
                            + cc.ref()
                            + " on the behaviour sample ("
                            + log
                            + ") in "
                            + Format.seconds(System.nanoTime() - t0)
                            + String.format(Locale.ROOT, "; churn AUC %.3f", r.trees().auc()));
        } else {
            out.println(
                    "Reusing "
                            + nextName
                            + "@"
                            + DemoCommand.ALIAS
                            + " and "
                            + churnName
                            + "@"
                            + DemoCommand.ALIAS);
        }
        out.println();
        long now = log.lastTime() + 1;
        FeatureBuilder features = new FeatureBuilder(log.genres());
        NextItemRecommender next =
                NextItemRecommender.open(
                        maas, ModelRef.alias(nextName, DemoCommand.ALIAS).toString());
        try (ChurnScorer churn =
                ChurnScorer.open(maas, ModelRef.alias(churnName, DemoCommand.ALIAS).toString())) {
            for (String user : users) {
                int u = log.userIds().indexOf("u" + user);
                if (u < 0 || log.end(u) == log.start(u)) {
                    out.println("Viewer u" + user + ": no viewing history in the behaviour sample");
                    continue;
                }
                int[] h = log.history(u);
                List<String> ids = new ArrayList<>();
                for (int i : h) {
                    ids.add(log.titles().get(i).id());
                }
                List<String> recent = new ArrayList<>();
                for (int i = Math.max(0, h.length - 3); i < h.length; i++) {
                    recent.add(log.titles().get(h[i]).name());
                }
                float stay = churn.score(features.buildOne(log, u, now), 1)[0];
                out.println(
                        String.format(
                                Locale.ROOT,
                                "Viewer u%s watched lately: %s; churn risk (no return within 7"
                                        + " days) %.0f%%",
                                user,
                                String.join("; ", recent),
                                100 * (1 - stay)));
                out.println("  predicted next:");
                for (ScoredItem s : next.next(ids, 3)) {
                    out.println("    " + s.title() + " [" + String.join(", ", s.genres()) + "]");
                }
            }
        }
    }
}
