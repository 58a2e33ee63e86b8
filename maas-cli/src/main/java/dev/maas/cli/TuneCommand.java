package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import dev.maas.recommend.train.TrainingResult;
import dev.maas.recommend.tune.Tuner;
import dev.maas.recommend.tune.TuningResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code maas tune}: searches a model's settings within a time budget and trains the winner. */
@Command(
        name = "tune",
        mixinStandardHelpOptions = true,
        header = "Search a model's settings within a time budget; train and save the winner.",
        sortOptions = false,
        description = {
            "Runs random search with successive halving over the model's hyperparameters on a"
                    + " validation share of the training split, within --budget; prints every"
                    + " trial, trains the winner on the whole training split, evaluates it and the"
                    + " defaults on the test split, and saves it to <root>/runs/<name> (--publish"
                    + " to publish). The defaults are always a candidate, so the winner is never"
                    + " worse than them on the validation share. The chosen settings go in the"
                    + " card (train.* and tune.* properties)."
        })
final class TuneCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin DataOptions dataOptions;
    @Mixin OwnerOptions ownership;
    @Mixin ActingOptions acting;

    @Option(
            names = "--model",
            paramLabel = "<type>",
            defaultValue = "ials",
            description = Workflow.MODEL_NAMES_HELP + " Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(
            names = "--budget",
            paramLabel = "<time>",
            defaultValue = "60s",
            description =
                    "Time for the search, such as 60s, 5m or 90 (seconds); a training under way"
                            + " when it runs out finishes. Default: ${DEFAULT-VALUE}.")
    String budget;

    @Option(
            names = "--seed",
            paramLabel = "<seed>",
            defaultValue = "42",
            description = "Seed of the search and the trainings. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--name",
            paramLabel = "<model>",
            defaultValue = "movies",
            description = "Name of the run and of the published model. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--publish", description = "Publish the tuned model to the repository.")
    boolean publish;

    @Option(
            names = "--alias",
            paramLabel = "<alias>",
            description = "With --publish: point this alias at the new version.")
    String alias;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Runs runs = repo.runs();
        ModelRef.checkName(name, "model name");
        if (alias != null) {
            if (!publish) {
                throw new CliException("--alias needs --publish");
            }
            ModelRef.checkName(alias, "alias");
        }
        Duration time = parseBudget(budget);
        TrainingConfig defaults =
                TrainingConfig.builder(Workflow.modelType(model)).seed(seed).build();
        Tuner tuner;
        try {
            tuner = Tuner.create(defaults, time, seed);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
        dataOptions.validate();
        String marketOption = ownership.firstGiven(acting);
        if (!publish && marketOption != null) {
            throw new CliException(marketOption + " needs --publish");
        }
        ownership.validate(acting);
        if (publish) {
            try (ModelService maas = repo.open()) {
                ownership.check(maas, acting, name);
            }
        }
        runs.purgeStale();
        DataOptions.Prepared prepared = dataOptions.prepare(dataOptions.load(repo.root()));
        TrainCommand.printData(out, prepared);
        out.println(
                "Tuning "
                        + Workflow.label(defaults.type())
                        + " for "
                        + Format.seconds(time.toNanos())
                        + " (random search with successive halving on a validation share of"
                        + " the training split):");
        out.flush();
        TuningResult tuning =
                tuner.tune(
                        prepared.split().train(),
                        t -> {
                            out.println(
                                    String.format(
                                            Locale.ROOT,
                                            "  %s rung %d, %d epochs: %s %.4f  %s",
                                            t.candidate() == 0 ? "defaults" : "#" + t.candidate(),
                                            t.rung(),
                                            t.config().epochs(),
                                            defaults.type().predictsRatings() ? "rmse" : "ndcg@10",
                                            t.value(),
                                            Tuner.describe(t.config())));
                            out.flush();
                        });
        out.println();
        tuning.toTable().lines().forEach(line -> out.println("  " + line));
        out.println();
        TrainingResult result =
                Workflow.train(
                        prepared.split().train(), tuning.best(), out, System.console() != null);
        TrainingResult baseline = RecommenderTrainer.create(defaults).fit(prepared.split().train());
        out.println();
        Map<String, Double> metrics = Workflow.testMetrics(result.model(), prepared, 10, out);
        printDefaultsOnTest(out, baseline.model(), result.model(), prepared);
        RecommenderPackage.Builder b =
                Workflow.builder(result.model(), dataOptions, prepared, metrics);
        b.property("tune.budget-seconds", Long.toString(time.toSeconds()));
        b.property("tune.trials", Integer.toString(tuning.trials().size()));
        b.property("tune.settings", Tuner.describe(tuning.best()));
        b.property("tune.validation." + tuning.metric(), fmt(tuning.bestValue()));
        b.property("tune.validation.defaults." + tuning.metric(), fmt(tuning.defaultValue()));
        RecommenderPackage pkg = b.build();
        out.println();
        Workflow.saveAndPublish(
                repo, runs, ownership, acting, name, publish, alias, pkg, folder -> {}, out);
        return 0;
    }

    private static void printDefaultsOnTest(
            PrintWriter out, FactorModel defaults, FactorModel tuned, DataOptions.Prepared p) {
        Evaluator e = Evaluator.builder().k(10).build();
        if (tuned.type().predictsRatings()) {
            out.println(
                    String.format(
                            Locale.ROOT,
                            "  test RMSE: tuned %.4f, defaults %.4f",
                            e.evaluateRatings(tuned, p.split().test()).rmse(),
                            e.evaluateRatings(defaults, p.split().test()).rmse()));
        } else {
            out.println(
                    String.format(
                            Locale.ROOT,
                            "  test NDCG@10: tuned %.4f, defaults %.4f",
                            e.evaluateRanking(tuned, p.split().train(), p.split().test()).ndcg(),
                            e.evaluateRanking(defaults, p.split().train(), p.split().test())
                                    .ndcg()));
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.5f", v);
    }

    /** Parses {@code 60s}, {@code 5m}, {@code 1h} or plain seconds. */
    static Duration parseBudget(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("s")) {
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            unit = 3600;
            t = t.substring(0, t.length() - 1);
        }
        double seconds;
        try {
            seconds = Double.parseDouble(t) * unit;
        } catch (NumberFormatException e) {
            throw new CliException(
                    "--budget must be a time such as 60s, 5m or 90, was '" + text + "'");
        }
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw new CliException(
                    "--budget must be positive (such as 60s): the search needs time for at least"
                            + " the defaults' training, was '"
                            + text
                            + "'");
        }
        return Duration.ofMillis((long) Math.ceil(seconds * 1000));
    }
}
