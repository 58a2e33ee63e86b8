package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.eval.RankingProtocol;
import dev.maas.recommend.train.FactorModel;
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

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
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
