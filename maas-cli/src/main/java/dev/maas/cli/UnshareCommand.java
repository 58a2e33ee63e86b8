package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.access.Grantee;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas unshare}: revokes the grant of a team or a principal on a model. */
@Command(
        name = "unshare",
        mixinStandardHelpOptions = true,
        header = "Revoke the grant of a team or a principal on a model.",
        description = {
            "Revokes what 'maas share' or an approved request granted. What the owner team has,"
                    + " and what the model's visibility gives everyone, stay. Needs admin on the"
                    + " model."
        })
final class UnshareCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;
    @Mixin GranteeOptions who;

    @Parameters(index = "0", paramLabel = "<model>", description = "The model name.")
    String model;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Grantee grantee = who.grantee(spec);
        ModelRef.checkName(model, "model name");
        acting.validate();
        try (ModelService maas = repo.open()) {
            boolean revoked = acting.session(maas).revoke(model, grantee);
            out.println(
                    revoked
                            ? "Revoked the grant of " + grantee + " on " + model
                            : grantee + " had no grant on " + model + ": nothing changed");
        }
        return 0;
    }
}
