package dev.maas.cli;

import dev.maas.ModelService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas deny}: denies an access request. */
@Command(
        name = "deny",
        mixinStandardHelpOptions = true,
        header = "Deny an access request.",
        description = {"Needs admin on the request's model."})
final class DenyCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;

    @Parameters(index = "0", paramLabel = "<id>", description = "The request's id.")
    String id;

    @Option(names = "--note", paramLabel = "<text>", description = "Why, for the requester.")
    String note;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        RequestIds.check(id);
        acting.validate();
        try (ModelService maas = repo.open()) {
            acting.session(maas).deny(id, note);
            out.println("Denied " + id);
        }
        return 0;
    }
}
