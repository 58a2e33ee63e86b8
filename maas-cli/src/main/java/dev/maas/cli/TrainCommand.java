package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.eval.EvaluationReport;
import dev.maas.recommend.eval.RankingProtocol;
import dev.maas.recommend.train.TrainingConfig;
import dev.maas.recommend.train.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code maas train}: trains a recommender, evaluates it and saves (optionally publishes) it. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        header = "Train and evaluate a recommender; save or publish it.",
        sortOptions = false,
        description = {
            "Trains a recommender on the sample catalogue or on MovieLens files (--data),"
                    + " evaluates it against baselines on the held-out split, and saves it to"
                    + " <root>/runs/<name> (publish it with 'maas publish', or pass --publish)."
        })
final class TrainCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin DataOptions dataOptions;

    @Option(
            names = "--model",
            paramLabel = "<type>",
            defaultValue = "biased-mf",
            description =
                    "biased-mf (explicit ratings), bpr-mf (implicit feedback) or two-tower."
                            + " Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--factors", paramLabel = "<n>", description = "Embedding size (default 64).")
    Integer factors;

    @Option(
            names = "--epochs",
            paramLabel = "<n>",
            description = "Most epochs; training stops early on the validation metric.")
    Integer epochs;

    @Option(names = "--learning-rate", paramLabel = "<lr>", description = "Adam's learning rate.")
    Float learningRate;

    @Option(names = "--l2", paramLabel = "<l2>", description = "L2 penalty on embeddings.")
    Float l2;

    @Option(names = "--seed", paramLabel = "<seed>", description = "Training seed (default 42).")
    Long seed;

    @Option(
            names = "--threads",
            paramLabel = "<n>",
            description =
                    "PyTorch threads for training, 1 to "
                            + TrainingConfig.MAX_THREADS
                            + " (default 1: the models' operators are too small to share, and"
                            + " more threads were slower on a busy machine).")
    Integer threads;

    @Option(
            names = "-k",
            paramLabel = "<k>",
            defaultValue = "10",
            description = "List length of the ranking metrics. Default: ${DEFAULT-VALUE}.")
    int k;

    @Option(
            names = "--name",
            paramLabel = "<model>",
            defaultValue = "movies",
            description = "Name of the run and of the published model. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--publish", description = "Publish the trained model to the repository.")
    boolean publish;

    @Option(
            names = "--alias",
            paramLabel = "<alias>",
            description =
                    "With --publish: point this alias (such as production) at the new version.")
    String alias;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Everything the command line can get wrong fails here, before any data is read.
        repo.root();
        ModelRef.checkName(name, "model name");
        if (alias != null) {
            if (!publish) {
                throw new CliException("--alias needs --publish");
            }
            ModelRef.checkName(alias, "alias");
        }
        if (k <= 0) {
            throw new CliException("-k must be > 0, was " + k);
        }
        TrainingConfig config = config();
        dataOptions.validate();

        DataOptions.Dataset dataset = dataOptions.load(repo.root());
        DataOptions.Prepared prepared = dataOptions.prepare(dataset);
        printData(out, prepared);
        TrainingResult result =
                Workflow.train(prepared.split().train(), config, out, System.console() != null);
        out.println();
        EvaluationReport report =
                Workflow.evaluate(
                        result.model(),
                        prepared.split().train(),
                        prepared.split().test(),
                        k,
                        RankingProtocol.fullRanking(),
                        out);
        Map<String, Double> metrics = Workflow.metrics(report, result.model());
        RecommenderPackage pkg = Workflow.pkg(result.model(), dataOptions, prepared, metrics);
        Path run = repo.runs().resolve(name);
        replace(run, pkg);
        out.println();
        out.println("Saved to " + run);
        if (publish) {
            try (ModelService maas = repo.open()) {
                ModelCard card = RecommenderPackage.publishFolder(maas, name, run);
                out.println("Published " + card.ref() + " (task " + card.task() + ")");
                if (alias != null) {
                    maas.setAlias(name, alias, card.version());
                    out.println(name + "@" + alias + " -> " + card.ref());
                }
            }
        } else {
            out.println("Publish it with: maas publish --name " + name);
        }
        return 0;
    }

    private TrainingConfig config() {
        if (threads != null && (threads < 1 || threads > TrainingConfig.MAX_THREADS)) {
            throw new CliException(
                    "--threads must be between 1 and "
                            + TrainingConfig.MAX_THREADS
                            + " (the most a training accepts), was "
                            + threads);
        }
        try {
            return config(TrainingConfig.builder(Workflow.modelType(model)));
        } catch (IllegalArgumentException e) {
            throw new CliException("invalid training option: " + e.getMessage(), e);
        }
    }

    private TrainingConfig config(TrainingConfig.Builder b) {
        if (factors != null) {
            b.factors(factors);
        }
        if (epochs != null) {
            b.epochs(epochs);
        }
        if (learningRate != null) {
            b.learningRate(learningRate);
        }
        if (l2 != null) {
            b.l2(l2);
        }
        if (seed != null) {
            b.seed(seed);
        }
        if (threads != null) {
            b.threads(threads);
        }
        return b.build();
    }

    static void printData(PrintWriter out, DataOptions.Prepared p) {
        var all = p.dataset().data();
        out.println("Data:  " + p.dataset().source());
        out.println("       " + all.describe());
        if (!p.dataset().loadNote().isEmpty()) {
            out.println("       " + p.dataset().loadNote());
        }
        out.println(
                "Split: "
                        + p.description()
                        + ": "
                        + p.split().train().size()
                        + " train, "
                        + p.split().test().size()
                        + " test");
        out.println();
    }

    /** Writes the package into {@code run}, replacing an earlier run of the same name. */
    static void replace(Path run, RecommenderPackage pkg) {
        try {
            Files.createDirectories(run.getParent());
            Path tmp = Files.createTempDirectory(run.getParent(), "." + run.getFileName() + "-");
            pkg.writeTo(tmp);
            deleteRecursively(run);
            Files.move(tmp, run);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the run to " + run, e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
