package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.train.TrainingConfig;
import dev.maas.recommend.train.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
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
    @Mixin OwnerOptions ownership;
    @Mixin ActingOptions acting;

    @Option(
            names = "--model",
            paramLabel = "<type>",
            defaultValue = "biased-mf",
            description =
                    "biased-mf or svdpp (explicit ratings); bpr-mf, two-tower, ease or ials"
                            + " (implicit feedback); next-item or churn train behaviour models on"
                            + " the generated behaviour sample (published as next-item or churn"
                            + " unless --name). Default: ${DEFAULT-VALUE}.")
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
            names = "--alpha",
            paramLabel = "<alpha>",
            description = "iALS: confidence weight of an interaction (default 5).")
    Float alpha;

    @Option(
            names = "--retrain-on-all",
            negatable = true,
            paramLabel = "<bool>",
            description =
                    "After early stopping, train again on all training rows for the chosen number"
                            + " of epochs (default: on for ials and svdpp, where it helped, off"
                            + " for the others).")
    Boolean retrainOnAll;

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

    /**
     * Called with the folder the trained model was written to, before it becomes the run and is
     * published. Tests set it to line concurrent trainings up at that point, where they used to
     * interfere, and to see what each one wrote; it does nothing otherwise.
     */
    static volatile Consumer<Path> afterStaging = folder -> {};

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (Behaviour.handles(model)) {
            return Behaviour.train(
                    out,
                    repo,
                    model,
                    "movies".equals(name) ? model : name,
                    publish,
                    alias,
                    seed == null ? 42 : seed,
                    epochs);
        }
        // Everything the command line can get wrong fails here, before any data is read.
        Runs runs = repo.runs();
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
        DataOptions.Dataset dataset = dataOptions.load(repo.root());
        DataOptions.Prepared prepared = dataOptions.prepare(dataset);
        printData(out, prepared);
        TrainingResult result =
                Workflow.train(prepared.split().train(), config, out, System.console() != null);
        out.println();
        Map<String, Double> metrics = Workflow.testMetrics(result.model(), prepared, k, out);
        RecommenderPackage pkg = Workflow.pkg(result.model(), dataOptions, prepared, metrics);
        out.println();
        Workflow.saveAndPublish(
                repo, runs, ownership, acting, name, publish, alias, pkg, afterStaging, out);
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

    TrainingConfig config(TrainingConfig.Builder b) {
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
        if (alpha != null) {
            b.alpha(alpha);
        }
        if (retrainOnAll != null) {
            b.retrainOnAll(retrainOnAll);
        }
        return b.build();
    }

    static void printData(PrintWriter out, DataOptions.Prepared p) {
        var all = p.dataset().data();
        out.println("Data:  " + p.dataset().source());
        out.println("       " + all.describe());
        for (String note : p.dataset().notes()) {
            out.println("       note: " + note);
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
}
