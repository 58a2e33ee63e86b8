package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.compression.CompressedRecommender;
import dev.maas.compression.CompressionReport;
import dev.maas.compression.Quantization;
import dev.maas.compression.RecommenderCompression;
import dev.maas.compression.Technique;
import dev.maas.recommend.Recommender;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas compress}: compresses a published recommender and prints what it cost. */
@Command(
        name = "compress",
        mixinStandardHelpOptions = true,
        header = "Compress a published model and report bytes, quality and latency.",
        sortOptions = false,
        description =
                "Compresses a published recommender with one technique, measures it against the"
                        + " original on the data the original was trained and tested on (bytes,"
                        + " RMSE, NDCG@10, top-10 overlap, latency at batch 1 and 64), prints the"
                        + " report and, with --publish, publishes it as a new version (or, with"
                        + " --name, a new model) whose card records where it came from.")
final class CompressCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;

    @Parameters(
            index = "0",
            paramLabel = "<ref>",
            description = "The model to compress: name, name:version or name@alias.")
    String ref;

    static final class Choice {
        @Option(names = "--int8", description = "8-bit integer codes with scales (about 4x).")
        boolean int8;

        @Option(names = "--fp16", description = "IEEE half precision (2x).")
        boolean fp16;

        @Option(names = "--bf16", description = "bfloat16 (2x).")
        boolean bf16;

        @Option(
                names = "--prune",
                paramLabel = "<sparsity>",
                description = "Remove this share of the factors, in [0, 1) (structured).")
        Double prune;

        @Option(
                names = "--rank",
                paramLabel = "<rank>",
                description = "Truncated SVD of the score matrix to this rank.")
        Integer rank;

        @Option(names = "--distill", description = "Distil into a student with --factors factors.")
        boolean distill;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    @Option(
            names = "--asymmetric",
            description = "With --int8: asymmetric codes with a zero point (default symmetric).")
    boolean asymmetric;

    @Option(
            names = "--per-tensor",
            description = "With --int8: one scale per tensor (default one per row).")
    boolean perTensor;

    @Option(
            names = "--factors",
            paramLabel = "<n>",
            defaultValue = "16",
            description = "With --distill: the student's factors. Default: ${DEFAULT-VALUE}.")
    int factors;

    @Option(
            names = "--epochs",
            paramLabel = "<n>",
            defaultValue = "20",
            description = "With --distill: training epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--publish", description = "Publish the compressed model.")
    boolean publish;

    @Option(
            names = "--name",
            paramLabel = "<name>",
            description = "With --publish: publish as this model instead of a new version.")
    String name;

    @Option(
            names = "--alias",
            paramLabel = "<alias>",
            description = "With --publish: point this alias at the published version.")
    String alias;

    @Option(
            names = "--json",
            paramLabel = "<file>",
            description = "Also write the report as JSON to this file.")
    Path json;

    @Option(
            names = "--data",
            paramLabel = "<folder>",
            description = "The data the model was trained on, if it moved since training.")
    Path data;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if ((name != null || alias != null) && !publish) {
            throw new CliException("--name and --alias need --publish");
        }
        if (name != null) {
            dev.maas.ModelRef.checkName(name, "--name");
        }
        if (alias != null) {
            dev.maas.ModelRef.checkName(alias, "--alias");
        }
        if ((asymmetric || perTensor) && !choice.int8) {
            throw new CliException("--asymmetric and --per-tensor need --int8");
        }
        Technique technique = technique();
        try (ModelService maas = repo.open()) {
            ModelCard card = Recommender.open(maas, ref).card();
            DataOptions options = EvaluateCommand.recordedData(card.properties(), data, repo);
            DataOptions.Prepared prepared = options.prepare(options.load(repo.root()));
            out.println("Compressing " + card.ref() + " on " + prepared.dataset().source());
            CompressedRecommender result =
                    RecommenderCompression.of(maas, card.ref().toString(), prepared.split())
                            .apply(technique);
            CompressionReport report = result.report();
            out.print(report.toTable());
            if (json != null) {
                try {
                    Files.writeString(json, report.toJson() + "\n", StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + json, e);
                }
                out.println("Report written to " + json);
            }
            if (publish) {
                ModelCard published =
                        name == null ? result.publish(maas) : result.publishAs(maas, name);
                out.println(
                        "Published "
                                + published.ref()
                                + " (derived from "
                                + published.derivedFrom()
                                + ")");
                if (alias != null) {
                    maas.setAlias(published.name(), alias, published.version());
                    out.println(published.name() + "@" + alias + " -> " + published.ref());
                }
            }
        }
        return 0;
    }

    private Technique technique() {
        if (choice.int8) {
            return new Technique.Quantize(
                    asymmetric
                            ? Quantization.int8Asymmetric(!perTensor)
                            : Quantization.int8Symmetric(!perTensor));
        }
        if (choice.fp16) {
            return new Technique.Quantize(Quantization.float16());
        }
        if (choice.bf16) {
            return new Technique.Quantize(Quantization.bfloat16());
        }
        if (choice.prune != null) {
            return new Technique.Prune(choice.prune, true, 0);
        }
        if (choice.rank != null) {
            return Technique.lowRank(choice.rank);
        }
        return new Technique.Distill(factors, epochs, 0.02f, 42);
    }
}
