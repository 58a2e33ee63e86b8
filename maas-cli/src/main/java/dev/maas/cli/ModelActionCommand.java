package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.market.ModelSession;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A command that does one thing to one model as the acting principal. */
abstract class ModelActionCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;

    @Parameters(index = "0", paramLabel = "<model>", description = "The model name.")
    String model;

    /** Does the command's work on {@link #model} and prints what it did. */
    abstract void act(ModelSession session, PrintWriter out);

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelRef.checkName(model, "model name");
        acting.validate();
        try (ModelService maas = repo.open()) {
            act(acting.session(maas), out);
        }
        return 0;
    }
}
