package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code maas publish}: publishes a trained run as a new model version. */
@Command(
        name = "publish",
        mixinStandardHelpOptions = true,
        header = "Publish a trained run as a new model version.",
        sortOptions = false,
        description =
                "Publishes a model trained with 'maas train' (saved in <root>/runs/<run>) as a new"
                        + " version in the repository; its card holds the evaluation metrics and"
                        + " the data summary. With --owner, the --as principal publishes it for"
                        + " that team, through the marketplace's checks and audit log.")
final class PublishCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin OwnerOptions ownership;
    @Mixin ActingOptions acting;

    @Option(
            names = "--name",
            paramLabel = "<model>",
            defaultValue = "movies",
            description = "Model name to publish under. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(
            names = "--run",
            paramLabel = "<run>",
            description = "The run to publish (default: the same as --name).")
    String run;

    @Option(
            names = "--alias",
            paramLabel = "<alias>",
            description = "Point this alias (such as production) at the new version.")
    String alias;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Every argument is checked before anything is published.
        Runs runs = repo.runs();
        ModelRef.checkName(name, "model name");
        String runName = run == null ? name : run;
        ModelRef.checkName(runName, "run name");
        if (alias != null) {
            ModelRef.checkName(alias, "alias");
        }
        ownership.validate(acting);
        runs.purgeStale();
        Path dir = runs.path(runName);
        checkExists(runs, runName);
        ModelCard card;
        try (ModelService maas = repo.open()) {
            ownership.check(maas, acting, name);
            // Under the runs lock, so a training that finishes meanwhile cannot swap the files.
            card =
                    runs.read(
                            runName,
                            folder -> {
                                checkExists(runs, runName);
                                return ownership.publish(maas, acting, name, folder);
                            });
            out.println("Published " + card.ref() + " from " + dir);
            ModelsCommand.printCard(out, card, maas.aliases(name));
        }
        if (alias != null) {
            ownership.moveAlias(repo, acting, card, alias, out);
        }
        return 0;
    }

    private static void checkExists(Runs runs, String runName) {
        if (!Files.isDirectory(runs.path(runName))) {
            throw new CliException(
                    "no trained run '"
                            + runName
                            + "' in "
                            + runs.dir()
                            + ": train one first with 'maas train --name "
                            + runName
                            + "'");
        }
    }
}
