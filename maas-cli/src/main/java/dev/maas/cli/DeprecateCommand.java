package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.market.ModelSession;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas deprecate}: marks a version deprecated, or lifts that. */
@Command(
        name = "deprecate",
        mixinStandardHelpOptions = true,
        header = "Deprecate a model version (or lift it with --undo).",
        description = {
            "A deprecated version still works; each caller is warned once, and listings show the"
                    + " message. Needs publish on the model."
        })
final class DeprecateCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;

    @Parameters(
            index = "0",
            paramLabel = "<model>:<version>",
            description = "The version, such as movies:3.")
    String ref;

    @Option(
            names = "--message",
            paramLabel = "<text>",
            description = "What callers should do instead, such as 'use version 4'.")
    String message;

    @Option(names = "--undo", description = "Lift the version's deprecation.")
    boolean undo;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (undo == (message != null)) {
            throw Main.usageError(
                    spec,
                    undo
                            ? "--undo lifts a deprecation and takes no --message"
                            : "say why with --message '...', or lift a deprecation with --undo");
        }
        ModelRef parsed = ModelRef.parse(ref);
        if (parsed.version() == 0 || parsed.alias() != null) {
            throw new CliException(
                    "name the version to deprecate, such as "
                            + parsed.name()
                            + ":1; was '"
                            + ref
                            + "'");
        }
        if (message != null && message.isBlank()) {
            throw new CliException("--message is blank: tell callers what to do instead");
        }
        acting.validate();
        try (ModelService maas = repo.open()) {
            ModelSession session = acting.session(maas);
            if (undo) {
                session.undeprecate(parsed.name(), parsed.version());
                out.println(parsed + " is no longer deprecated");
            } else {
                session.deprecate(parsed.name(), parsed.version(), message.strip());
                out.println("Deprecated " + parsed + ": " + MarketFormat.oneLine(message));
            }
        }
        return 0;
    }
}
