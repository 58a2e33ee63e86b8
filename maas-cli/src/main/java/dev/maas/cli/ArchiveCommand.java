package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas archive}: hides a model from search and stops its calls, restorably. */
@Command(
        name = "archive",
        mixinStandardHelpOptions = true,
        header = "Archive a model: hidden from search, not callable, restorable.",
        description = {"Keeps every version; 'maas restore' brings it back. Needs admin."})
final class ArchiveCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;

    @Parameters(index = "0", paramLabel = "<model>", description = "The model name.")
    String model;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelRef.checkName(model, "model name");
        acting.validate();
        try (ModelService maas = repo.open()) {
            acting.session(maas).archive(model);
            out.println("Archived " + model + ": restore it with 'maas restore " + model + "'");
        }
        return 0;
    }
}
