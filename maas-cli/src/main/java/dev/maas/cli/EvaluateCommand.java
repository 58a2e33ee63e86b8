package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.BadRowPolicy;
import dev.maas.recommend.data.MovieLens;
import dev.maas.recommend.data.Split;
import dev.maas.recommend.eval.CrossValidation;
import dev.maas.recommend.eval.CrossValidationReport;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.eval.RankingProtocol;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code maas evaluate}: evaluates a published model or a run against the baselines. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        header = "Evaluate a published model or a run against baselines.",
        sortOptions = false,
        description =
                "Evaluates a published model (--model) or a trained run (--run) on the test split"
                        + " it was trained with, against the baselines (global mean, mean +"
                        + " biases, popularity).")
final class EvaluateCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;

    static final class Target {
        @Option(
                names = "--model",
                paramLabel = "<ref>",
                description = "A published model: name, name:version or name@alias.")
        String model;

        @Option(names = "--run", paramLabel = "<run>", description = "A run saved by 'maas train'.")
        String run;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Target target;

    @Option(
            names = "--data",
            paramLabel = "<folder>",
            description = "The data the model was trained on, if it moved since training.")
    Path data;

    @Option(
            names = "-k",
            paramLabel = "<k>",
            defaultValue = "10",
            description = "List length of the ranking metrics. Default: ${DEFAULT-VALUE}.")
    int k;

    @Option(
            names = "--protocol",
            paramLabel = "<protocol>",
            defaultValue = "full",
            description =
                    "full (rank every unseen item) or sampled (each held-out item against"
                            + " --negatives sampled items). Default: ${DEFAULT-VALUE}.")
    String protocol;

    @Option(
            names = "--negatives",
            paramLabel = "<n>",
            defaultValue = "99",
            description =
                    "Negatives per held-out item for --protocol sampled. Default:"
                            + " ${DEFAULT-VALUE}.")
    int negatives;

    @Option(
            names = "--folds",
            paramLabel = "<n|ml100k>",
            description =
                    "Cross-validate instead of evaluating one model: train every --models model"
                            + " on each of <n> random folds of the data (sample catalogue or"
                            + " --data) and test on the held-out fold; 'ml100k' uses the five"
                            + " predefined MovieLens 100K splits u1..u5 of the --data folder.")
    String folds;

    @Option(
            names = "--seeds",
            paramLabel = "<n>",
            defaultValue = "1",
            description =
                    "With --folds: repeat with this many seeds (new folds and training seeds)."
                            + " Default: ${DEFAULT-VALUE}.")
    int seeds;

    @Option(
            names = "--models",
            paramLabel = "<list>",
            split = ",",
            defaultValue = "ease,ials,svdpp,biased-mf,bpr-mf",
            description =
                    "With --folds: the models to cross-validate, comma-separated ("
                            + Workflow.MODEL_NAMES
                            + "), with their default settings. Default: ${DEFAULT-VALUE}.")
    java.util.List<String> models;

    @Option(
            names = "--epochs",
            paramLabel = "<n>",
            description = "With --folds: cap the epochs of every iterative model (faster runs).")
    Integer epochs;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (folds != null) {
            return crossValidate(out);
        }
        if (seeds != 1) {
            throw new CliException("--seeds needs --folds");
        }
        RankingProtocol rankingProtocol =
                switch (protocol.toLowerCase(Locale.ROOT)) {
                    case "full" -> RankingProtocol.fullRanking();
                    case "sampled" -> RankingProtocol.sampled(negatives, 42);
                    default ->
                            throw new CliException(
                                    "--protocol must be 'full' or 'sampled', was '"
                                            + protocol
                                            + "'");
                };
        if (k <= 0) {
            throw new CliException("-k must be > 0, was " + k);
        }
        FactorModel model;
        Map<String, String> provenance;
        String what;
        if (target != null && target.run != null) {
            ModelRef.checkName(target.run, "run name");
            Runs runs = repo.runs();
            // Under the runs lock, so a training that finishes meanwhile cannot swap the files.
            Map.Entry<FactorModel, Map<String, String>> loaded =
                    runs.read(
                            target.run,
                            dir -> {
                                if (!Files.isDirectory(dir)) {
                                    throw new CliException(
                                            "no trained run '" + target.run + "' in " + runs.dir());
                                }
                                return Map.entry(
                                        FactorModel.load(dir),
                                        RecommenderPackage.cardOf(target.run, dir).properties());
                            });
            model = loaded.getKey();
            provenance = loaded.getValue();
            what = "run " + target.run;
        } else {
            String ref =
                    target != null && target.model != null ? target.model : "movies@production";
            try (ModelService maas = repo.open()) {
                Recommender rec = Recommender.open(maas, ref);
                ModelCard card = rec.card();
                model = rec.model();
                provenance = card.properties();
                what = card.ref().toString();
            }
        }
        DataOptions options = recordedData(provenance, data, repo);
        DataOptions.Prepared prepared = options.prepare(options.load(repo.root()));
        if (!model.users().equals(prepared.dataset().data().users())
                || !model.items().equals(prepared.dataset().data().items())) {
            throw new CliException(
                    what
                            + " was trained on other data than "
                            + prepared.dataset().source()
                            + " ("
                            + model.numUsers()
                            + " users and "
                            + model.numItems()
                            + " items in the model); pass the folder it was trained on with"
                            + " --data");
        }
        out.println("Evaluating " + what);
        TrainCommand.printData(out, prepared);
        Workflow.evaluate(
                model, prepared.split().train(), prepared.split().test(), k, rankingProtocol, out);
        return 0;
    }

    private int crossValidate(PrintWriter out) {
        if (target != null) {
            throw new CliException(
                    "--folds trains the --models afresh on each fold; it cannot be combined with"
                            + " --model or --run");
        }
        if (seeds < 1) {
            throw new CliException("--seeds must be >= 1, was " + seeds);
        }
        if (k <= 0) {
            throw new CliException("-k must be > 0, was " + k);
        }
        if (epochs != null && epochs < 1) {
            throw new CliException("--epochs must be >= 1, was " + epochs);
        }
        boolean predefined = folds.equalsIgnoreCase("ml100k");
        int n = 5;
        if (!predefined) {
            try {
                n = Integer.parseInt(folds.trim());
            } catch (NumberFormatException e) {
                throw new CliException(
                        "--folds must be a number of folds (2 or more) or 'ml100k', was '"
                                + folds
                                + "'");
            }
            if (n < 2) {
                throw new CliException("--folds must be at least 2, was " + n);
            }
        }
        if (predefined && data == null) {
            throw new CliException(
                    "--folds ml100k reads u1.base/u1.test .. u5.base/u5.test: pass the MovieLens"
                            + " 100K folder with --data");
        }
        java.util.List<CrossValidation.Model> candidates = new java.util.ArrayList<>();
        for (String name : models) {
            ModelType type = Workflow.modelType(name);
            String label = Workflow.label(type);
            candidates.add(
                    new CrossValidation.Model(
                            label,
                            (train, seed) -> {
                                TrainingConfig.Builder b = TrainingConfig.builder(type).seed(seed);
                                if (epochs != null && type != ModelType.EASE) {
                                    b.epochs(epochs);
                                }
                                return RecommenderTrainer.create(b.build())
                                        .fit(train)
                                        .model()
                                        .asCandidate(label);
                            }));
        }
        Evaluator evaluator = Evaluator.builder().k(k).protocol(rankingProtocol()).build();
        CrossValidation cv = new CrossValidation(n, seeds, 42, evaluator);
        long start = System.nanoTime();
        CrossValidation.Progress progress =
                (s, f, m) -> {
                    out.println("  seed " + (s + 1) + "/" + seeds + ", fold " + (f + 1) + ": " + m);
                    out.flush();
                };
        CrossValidationReport report;
        try {
            if (predefined) {
                Path dir = data.toAbsolutePath().normalize();
                java.util.List<Split> splits = new java.util.ArrayList<>();
                for (int f = 1; f <= 5; f++) {
                    String name = "u" + f;
                    for (String suffix : java.util.List.of(".base", ".test")) {
                        if (!Files.isRegularFile(dir.resolve(name + suffix))) {
                            throw new CliException(
                                    "--folds ml100k needs u1..u5 .base and .test in "
                                            + dir
                                            + "; "
                                            + dir.resolve(name + suffix)
                                            + " does not exist");
                        }
                    }
                    splits.add(MovieLens.load100kSplit(dir, name, BadRowPolicy.SKIP).data());
                }
                out.println("Cross-validating on the MovieLens 100K splits u1..u5 of " + dir);
                report =
                        cv.runOnSplits(
                                splits, "MovieLens 100K u1..u5 at " + dir, candidates, progress);
            } else {
                DataOptions o = new DataOptions();
                o.split = "random";
                o.testFraction = 0.2;
                o.data = data;
                DataOptions.Dataset d = o.load(repo.root());
                out.println("Cross-validating on " + d.source());
                report = cv.run(d.data(), candidates, progress);
            }
        } catch (IllegalArgumentException e) {
            throw new CliException("cannot cross-validate: " + e.getMessage(), e);
        }
        out.println();
        out.println(report.toTable());
        out.println("(cross-validated in " + Format.seconds(System.nanoTime() - start) + ")");
        return 0;
    }

    private RankingProtocol rankingProtocol() {
        return switch (protocol.toLowerCase(Locale.ROOT)) {
            case "full" -> RankingProtocol.fullRanking();
            case "sampled" -> RankingProtocol.sampled(negatives, 42);
            default ->
                    throw new CliException(
                            "--protocol must be 'full' or 'sampled', was '" + protocol + "'");
        };
    }

    /**
     * Rebuilds the data options recorded with a model (its source.* card properties); {@code data},
     * when given, replaces the recorded folder.
     */
    static DataOptions recordedData(Map<String, String> p, Path data, RepoOptions repo) {
        DataOptions o = new DataOptions();
        o.split = p.getOrDefault("source.split", "random");
        o.testFraction = Double.parseDouble(p.getOrDefault("source.test-fraction", "0.2"));
        o.splitSeed = Long.parseLong(p.getOrDefault("source.split-seed", "42"));
        if (data != null) {
            o.data = data;
        } else {
            String path = p.get("source.path");
            Path sample = repo.root().resolve(DataOptions.SAMPLE_DIR);
            boolean isSample =
                    path == null
                            || DataOptions.SAMPLE_SOURCE.equals(p.get("data.source"))
                            || Path.of(path).equals(sample);
            o.data = isSample ? null : Path.of(path);
        }
        return o;
    }
}
