package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.access.Principal;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas fork}: copies a version into a new model of one's own team. */
@Command(
        name = "fork",
        mixinStandardHelpOptions = true,
        header = "Copy a model version into a new model owned by your team.",
        sortOptions = false,
        description = {
            "Copies the files of a version (the latest, name:version or name@alias) into a new"
                    + " model whose card records where it came from. Needs use on the source and"
                    + " membership of the new owner team."
        })
final class ForkCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;

    @Parameters(
            index = "0",
            paramLabel = "<model>[:<version>|@<alias>]",
            description = "The version to copy.")
    String source;

    @Option(
            names = "--name",
            required = true,
            paramLabel = "<model>",
            description = "The new model's name.")
    String name;

    @Option(
            names = "--team",
            required = true,
            paramLabel = "<team>",
            description = "The new model's owner team, one of yours.")
    String team;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelRef from = ModelRef.parse(source);
        ModelRef.checkName(name, "model name");
        Principal.checkId(team, "team name");
        acting.validate();
        try (ModelService maas = repo.open()) {
            ModelCard card = acting.session(maas).fork(from, name, team);
            out.println(
                    "Forked "
                            + card.derivedFrom()
                            + " into "
                            + card.ref()
                            + " (owner "
                            + card.owner()
                            + ", "
                            + MarketFormat.visibility(card.visibility())
                            + ")");
        }
        return 0;
    }
}
