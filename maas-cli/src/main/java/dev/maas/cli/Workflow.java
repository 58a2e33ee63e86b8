package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.eval.EvaluationReport;
import dev.maas.recommend.eval.Evaluator;
import dev.maas.recommend.eval.RankingProtocol;
import dev.maas.recommend.train.EpochStats;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import dev.maas.recommend.train.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The steps {@code demo}, {@code train} and {@code tune} share: train with progress, evaluate,
 * package, save and publish.
 */
final class Workflow {
    private Workflow() {}

    /** The model names {@link #modelType} accepts, for help and error messages. */
    static final String MODEL_NAMES = "biased-mf, bpr-mf, two-tower, ease, ials or svdpp";

    /** Help text of a {@code --model} option. */
    static final String MODEL_NAMES_HELP =
            "biased-mf or svdpp (explicit ratings); bpr-mf, two-tower, ease or ials (implicit"
                    + " feedback).";

    /** Returns the name a model type has in evaluation tables and cards. */
    static String label(ModelType type) {
        return switch (type) {
            case BIASED_MF -> "biased MF";
            case BPR_MF -> "BPR MF";
            case TWO_TOWER -> "two-tower";
            case EASE -> "EASE";
            case IALS -> "iALS";
            case SVDPP -> "SVD++";
        };
    }

    /** Parses {@code biased-mf}, {@code bpr-mf}, {@code two-tower} (and the enum names). */
    static ModelType modelType(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (t) {
            case "biased-mf", "mf" -> ModelType.BIASED_MF;
            case "bpr-mf", "bpr" -> ModelType.BPR_MF;
            case "two-tower" -> ModelType.TWO_TOWER;
            case "ease" -> ModelType.EASE;
            case "ials", "als" -> ModelType.IALS;
            case "svdpp", "svd++" -> ModelType.SVDPP;
            default ->
                    throw new CliException("unknown model '" + text + "': expected " + MODEL_NAMES);
        };
    }

    /** Trains on {@code train}, printing a header, the progress and a summary line. */
    static TrainingResult train(
            Interactions train, TrainingConfig config, PrintWriter out, boolean interactive) {
        out.println("Training " + label(config.type()) + ": " + describe(config));
        out.flush();
        TrainingResult result =
                RecommenderTrainer.create(config).fit(train, new ProgressBar(out, interactive));
        List<EpochStats> epochs = result.epochs();
        EpochStats best = epochs.get(result.bestEpoch() - 1);
        if (config.type() == ModelType.EASE) {
            out.println(
                    "  solved in closed form; trained in "
                            + Format.seconds(result.duration().toNanos()));
            return result;
        }
        String stop =
                epochs.size() < config.epochs()
                        ? "stopped early after epoch " + epochs.size() + ", kept epoch "
                        : "kept epoch ";
        out.println(
                String.format(
                        Locale.ROOT,
                        "  %s%d%s; trained in %s",
                        stop,
                        result.bestEpoch(),
                        Double.isNaN(best.validationValue())
                                ? ""
                                : String.format(
                                        Locale.ROOT,
                                        " (val %s %.4f)",
                                        best.validationMetric(),
                                        best.validationValue()),
                        Format.seconds(result.duration().toNanos())));
        return result;
    }

    /** Returns the settings of {@code config} that matter for its model, in one line. */
    static String describe(TrainingConfig config) {
        String all = config.retrainOnAll() ? ", then again on all rows" : "";
        return switch (config.type()) {
            case EASE -> String.format(Locale.ROOT, "closed form, lambda %s", config.l2());
            case IALS ->
                    String.format(
                            Locale.ROOT,
                            "%d factors, up to %d epochs, lambda %s, alpha %s, conjugate"
                                    + " gradient%s",
                            config.factors(),
                            config.epochs(),
                            config.l2(),
                            config.alpha(),
                            all);
            case SVDPP ->
                    String.format(
                            Locale.ROOT,
                            "%d factors, up to %d epochs, SGD lr %s, L2 %s, bias L2 %s%s",
                            config.factors(),
                            config.epochs(),
                            config.learningRate(),
                            config.l2(),
                            config.biasL2(),
                            all);
            default ->
                    String.format(
                            Locale.ROOT,
                            "%d factors, up to %d epochs, batch %d, Adam lr %s, L2 %s, %d"
                                    + " threads%s",
                            config.factors(),
                            config.epochs(),
                            config.batchSize(),
                            config.learningRate(),
                            config.l2(),
                            config.threads(),
                            all);
        };
    }

    /** Evaluates {@code model} against the baselines and prints the table. */
    static EvaluationReport evaluate(
            FactorModel model,
            Interactions train,
            Interactions test,
            int k,
            RankingProtocol protocol,
            PrintWriter out) {
        long start = System.nanoTime();
        Evaluator evaluator = Evaluator.builder().k(k).protocol(protocol).build();
        EvaluationReport report =
                evaluator.compare(train, test, List.of(model.asCandidate(label(model.type()))));
        out.println(
                "Evaluation on "
                        + test.size()
                        + " held-out interactions ("
                        + protocol
                        + ", K="
                        + k
                        + "), against baselines:");
        String table = report.toTable();
        // The report's first two lines describe the data and protocol, printed above already.
        table.lines().skip(2).forEach(line -> out.println("  " + line));
        out.println("  (evaluated in " + Format.seconds(System.nanoTime() - start) + ")");
        return report;
    }

    /**
     * Evaluates {@code model} on the test split of {@code prepared} (full ranking, cut-off {@code
     * k}), prints the table and returns the {@linkplain #metrics metrics} to keep in the card.
     */
    static Map<String, Double> testMetrics(
            FactorModel model, DataOptions.Prepared prepared, int k, PrintWriter out) {
        EvaluationReport report =
                evaluate(
                        model,
                        prepared.split().train(),
                        prepared.split().test(),
                        k,
                        RankingProtocol.fullRanking(),
                        out);
        return metrics(report, model);
    }

    /**
     * Returns the metrics kept in the card: the model's ({@code rmse}, {@code ndcg@10}, ...) and
     * the baselines' ({@code baseline.popularity.ndcg@10}, ...), so a card shows what the model
     * beats.
     */
    static Map<String, Double> metrics(EvaluationReport report, FactorModel model) {
        String name = label(model.type());
        Map<String, Double> m = new LinkedHashMap<>();
        for (EvaluationReport.Row row : report.rows()) {
            if (row.model().equals(name)) {
                m.putAll(row.asMap());
            } else {
                String slug = row.model().replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(Locale.ROOT);
                row.asMap().forEach((k, v) -> m.put("baseline." + slug + "." + k, v));
            }
        }
        m.values().removeIf(v -> !Double.isFinite(v));
        return m;
    }

    /** Packages a trained model with its data, metrics and provenance. */
    static RecommenderPackage pkg(
            FactorModel model,
            DataOptions options,
            DataOptions.Prepared prepared,
            Map<String, Double> metrics) {
        return builder(model, options, prepared, metrics).build();
    }

    /** A package builder holding what {@link #pkg} puts in, for callers that add properties. */
    static RecommenderPackage.Builder builder(
            FactorModel model,
            DataOptions options,
            DataOptions.Prepared prepared,
            Map<String, Double> metrics) {
        RecommenderPackage.Builder b =
                RecommenderPackage.builder()
                        .model(model)
                        .trainingData(prepared.split().train())
                        .summary(prepared.summary())
                        .metrics(metrics)
                        .description(
                                label(model.type())
                                        + " recommender trained on "
                                        + prepared.dataset().source());
        prepared.cardProperties(options).forEach(b::property);
        return b;
    }

    /**
     * Saves {@code pkg} as the run {@code name}; with {@code publish} also publishes it as the
     * model {@code name} and points {@code alias}, when not null, at the new version. Prints each
     * step and, without {@code publish}, how to publish later.
     *
     * <p>The run is written to its own staged folder first, so concurrent runs of the same name
     * never see each other's files and a failure deletes it; it is published under the runs lock,
     * so what is published is this run's files.
     *
     * @param afterStaging called with the staged folder before it is installed
     */
    static void saveAndPublish(
            RepoOptions repo,
            Runs runs,
            OwnerOptions ownership,
            ActingOptions acting,
            String name,
            boolean publish,
            String alias,
            RecommenderPackage pkg,
            Consumer<Path> afterStaging,
            PrintWriter out) {
        ModelCard card;
        try (Runs.Staged staged = runs.stage(name, pkg::writeTo)) {
            afterStaging.accept(staged.folder());
            card =
                    runs.install(
                            staged,
                            run -> {
                                out.println("Saved to " + run);
                                if (!publish) {
                                    return null;
                                }
                                try (ModelService maas = repo.open()) {
                                    return ownership.publish(maas, acting, name, run);
                                }
                            });
        }
        if (card == null) {
            out.println("Publish it with: maas publish --name " + name);
            return;
        }
        out.println("Published " + card.ref() + " (task " + card.task() + ")");
        if (alias != null) {
            ownership.moveAlias(repo, acting, card, alias, out);
        }
    }
}
