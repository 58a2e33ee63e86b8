package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.ItemInfo;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.TrainingConfig;
import dev.maas.recommend.train.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code maas demo}: the whole path on the bundled sample catalogue. Generates the data (first
 * run), trains, evaluates and publishes a recommender (or reuses the published one), moves {@code
 * production} to it, then prints recommendations and serving latency.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        header = "Train, publish and query a recommender on the sample catalogue.",
        sortOptions = false,
        description = {
            "Recommendations end to end on the bundled sample catalogue: generates the data"
                    + " (first run), trains a BPR matrix factorisation model (a ranking objective,"
                    + " suited to top-N lists), evaluates it"
                    + " against baselines, publishes it and points <name>@production at it, then"
                    + " prints recommendations for a few users and the latency of recommend().",
            "Later runs reuse the published model; --retrain trains a new version."
        })
final class DemoCommand implements Callable<Integer> {
    static final String ALIAS = "production";

    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;

    @Option(
            names = "--name",
            paramLabel = "<model>",
            defaultValue = "movies",
            description = "Model name. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(
            names = "--data",
            paramLabel = "<folder>",
            description =
                    "Run the demo on MovieLens files (100K or latest layout) instead of the"
                            + " sample catalogue.")
    Path data;

    @Option(
            names = "--retrain",
            description = "Train and publish a new version even if one exists.")
    boolean retrain;

    @Option(
            names = "--epochs",
            paramLabel = "<n>",
            description = "Most training epochs (default: the trainer's default).")
    Integer epochs;

    @Option(
            names = "--calls",
            paramLabel = "<n>",
            defaultValue = "5000",
            description =
                    "recommend() calls timed for the latency figures. Default: ${DEFAULT-VALUE}.")
    int calls;

    @Option(
            names = "--users",
            paramLabel = "<id>",
            split = ",",
            defaultValue = "1,2,3",
            description = "Users to show recommendations for. Default: ${DEFAULT-VALUE}.")
    List<String> users;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelRef.checkName(name, "model name");
        if (calls < 100) {
            throw new CliException("--calls must be >= 100, was " + calls);
        }
        if (users.stream().anyMatch(String::isBlank)) {
            throw new CliException(
                    "--users holds an empty id: expected user ids separated by commas, such as"
                            + " --users 1,2,3");
        }
        Path root = repo.root();
        TrainingConfig config = trainingConfig();
        long start = System.nanoTime();
        out.println("maas demo: recommendations end to end (repository " + root + ")");
        out.println();

        DataOptions dataOptions = new DataOptions();
        dataOptions.split = "random";
        dataOptions.testFraction = 0.2;
        dataOptions.splitSeed = 42;
        dataOptions.data = data;
        boolean generated =
                data == null
                        && !java.nio.file.Files.isDirectory(root.resolve(DataOptions.SAMPLE_DIR));
        long t0 = System.nanoTime();
        DataOptions.Dataset dataset = dataOptions.load(root);
        DataOptions.Prepared prepared = dataOptions.prepare(dataset);
        if (data == null) {
            out.println(
                    (generated ? "Generated " : "Found ")
                            + "the sample catalogue in "
                            + root.resolve(DataOptions.SAMPLE_DIR)
                            + (generated
                                    ? " (" + Format.seconds(System.nanoTime() - t0) + ")"
                                    : ""));
        }
        TrainCommand.printData(out, prepared);

        try (ModelService maas = repo.open()) {
            ModelCard card = reusable(maas, dataset.source());
            if (card != null) {
                out.println(
                        "Reusing "
                                + card.ref()
                                + " ("
                                + name
                                + "@"
                                + ALIAS
                                + ", published "
                                + card.createdAt()
                                + "); --retrain trains a new version.");
                out.println("  card metrics: " + ModelsCommand.metrics(card.metrics()));
                Double pop = card.metrics().get("baseline.popularity.ndcg@10");
                if (pop != null) {
                    out.println(
                            String.format(Locale.ROOT, "  popularity baseline: ndcg@10 %.4f", pop));
                }
            } else {
                card = trainAndPublish(maas, config, dataOptions, prepared, out);
            }
            out.println();
            serve(maas, prepared.split().train(), out);
            if (data == null) {
                out.println();
                Behaviour.demo(out, maas, users, retrain);
            }
        }
        out.println();
        out.println("Done in " + Format.seconds(System.nanoTime() - start) + ". Try:");
        out.println("  ./maas recommend --user 42 --genre Comedy");
        out.println("  ./maas recommend --similar 1");
        out.println("  ./maas models " + name);
        return 0;
    }

    /** Returns the production card when it was trained on the same data and split as the demo's. */
    private ModelCard reusable(ModelService maas, String source) {
        if (retrain) {
            return null;
        }
        ModelCard card;
        try {
            card = maas.resolve(ModelRef.alias(name, ALIAS));
        } catch (ModelNotFoundException e) {
            return null;
        }
        Map<String, String> p = card.properties();
        boolean same =
                "recommendation".equals(card.task())
                        && source.equals(p.get("data.source"))
                        && "random".equals(p.get("source.split"))
                        && "0.2".equals(p.get("source.test-fraction"))
                        && "42".equals(p.get("source.split-seed"));
        return same ? card : null;
    }

    private TrainingConfig trainingConfig() {
        try {
            TrainingConfig.Builder config = TrainingConfig.builder(ModelType.BPR_MF);
            if (epochs != null) {
                config.epochs(epochs);
            }
            return config.build();
        } catch (IllegalArgumentException e) {
            throw new CliException("invalid training option: " + e.getMessage(), e);
        }
    }

    private ModelCard trainAndPublish(
            ModelService maas,
            TrainingConfig config,
            DataOptions dataOptions,
            DataOptions.Prepared prepared,
            PrintWriter out) {
        TrainingResult result =
                Workflow.train(prepared.split().train(), config, out, System.console() != null);
        out.println();
        RecommenderPackage pkg =
                Workflow.pkg(
                        result.model(),
                        dataOptions,
                        prepared,
                        Workflow.testMetrics(result.model(), prepared, 10, out));
        ModelCard card = pkg.publish(maas, name);
        maas.setAlias(name, ALIAS, card.version());
        out.println();
        out.println(
                "Published "
                        + card.ref()
                        + " (task "
                        + card.task()
                        + ", metrics and data summary in its card); "
                        + name
                        + "@"
                        + ALIAS
                        + " -> "
                        + card.ref());
        return card;
    }

    private void serve(ModelService maas, Interactions train, PrintWriter out) {
        long t0 = System.nanoTime();
        Recommender rec = Recommender.open(maas, ModelRef.alias(name, ALIAS));
        out.println(
                "Serving "
                        + name
                        + "@"
                        + ALIAS
                        + " (loaded through the model store in "
                        + Format.micros(System.nanoTime() - t0)
                        + ")");
        out.println();
        for (String user : users) {
            int u = train.users().indexOf(user);
            if (u >= 0) {
                out.println(
                        "User " + user + " rated highly: " + String.join("; ", liked(train, u, 3)));
            }
            Recommendations r = rec.recommend(user, 5);
            out.println(
                    "  recommended"
                            + (r.isFallback() ? " (unknown user: most popular items)" : "")
                            + ":");
            Format.items(out, r, "  ");
            out.println();
        }
        Recommendations cold = rec.recommend("new-visitor", 3);
        out.println(
                "A visitor the model has never seen gets the popularity fallback (flagged "
                        + cold.source()
                        + "):");
        Format.items(out, cold, "  ");
        out.println();
        String item = rec.recommend("new-visitor", 1).ids().get(0);
        ItemInfo info = rec.item(item);
        out.println(
                "Items similar to "
                        + info.title()
                        + " ["
                        + String.join(", ", info.genres())
                        + "]:");
        Format.items(out, rec.similarItems(item, 5), "  ");
        out.println();
        latency(rec, train, out);
    }

    /** Titles of the user's highest-rated training items. */
    private static List<String> liked(Interactions train, int user, int n) {
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < train.size(); r++) {
            if (train.user(r) == user) {
                rows.add(r);
            }
        }
        return rows.stream()
                .sorted(
                        Comparator.comparingDouble((Integer r) -> -train.value(r))
                                .thenComparingLong(r -> -train.timestamp(r)))
                .limit(n)
                .map(r -> train.itemInfo(train.item(r)).title())
                .toList();
    }

    private void latency(Recommender rec, Interactions train, PrintWriter out) {
        int[] known =
                IntStream.range(0, train.numUsers())
                        .filter(u -> train.distinctItemCount(u) > 0)
                        .toArray();
        List<String> ids = train.users().ids();
        SplittableRandom random = new SplittableRandom(7);
        String[] queries = new String[calls];
        for (int i = 0; i < calls; i++) {
            queries[i] = ids.get(known[random.nextInt(known.length)]);
        }
        // Warm up the JIT on the same path first.
        for (int i = 0; i < Math.min(calls, 2000); i++) {
            rec.recommend(queries[i], 10);
        }
        long[] nanos = new long[calls];
        long wall = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            long s = System.nanoTime();
            rec.recommend(queries[i], 10);
            nanos[i] = System.nanoTime() - s;
        }
        wall = System.nanoTime() - wall;
        String[] items = train.items().ids().toArray(new String[0]);
        int simCalls = Math.max(100, calls / 5);
        long[] sim = new long[simCalls];
        for (int i = 0; i < simCalls; i++) {
            String item = items[random.nextInt(items.length)];
            long s = System.nanoTime();
            rec.similarItems(item, 10);
            sim[i] = System.nanoTime() - s;
        }
        Arrays.sort(nanos);
        Arrays.sort(sim);
        out.println(
                "Latency, in process on one thread ("
                        + Runtime.getRuntime().availableProcessors()
                        + " cores here), "
                        + train.numItems()
                        + " items, k=10:");
        out.println(
                String.format(
                        Locale.ROOT,
                        "  recommend     %6d calls  p50 %-8s p99 %-8s (%s calls/s)",
                        calls,
                        Format.micros(percentile(nanos, 0.50)),
                        Format.micros(percentile(nanos, 0.99)),
                        Format.count(calls / (wall / 1e9))));
        out.println(
                String.format(
                        Locale.ROOT,
                        "  similarItems  %6d calls  p50 %-8s p99 %-8s",
                        simCalls,
                        Format.micros(percentile(sim, 0.50)),
                        Format.micros(percentile(sim, 0.99))));
    }

    private static long percentile(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
