package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas restore}: brings an archived model back. */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        header = "Restore an archived model.",
        description = {"Needs admin on the model."})
final class RestoreCommand implements Callable<Integer> {
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
            acting.session(maas).restore(model);
            out.println("Restored " + model);
        }
        return 0;
    }
}
