package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.access.Grant;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Quota;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas share}: grants a permission on a model to a team or a principal. */
@Command(
        name = "share",
        mixinStandardHelpOptions = true,
        header = "Grant a team or a principal a permission on a model.",
        sortOptions = false,
        description = {
            "Grants --read, --use, --publish or --admin on a model (each includes the ones before"
                    + " it), replacing the grantee's earlier grant, with an optional quota on its"
                    + " calls. Needs admin on the model."
        })
final class ShareCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;
    @Mixin GranteeOptions who;
    @Mixin PermissionOptions permission;
    @Mixin QuotaOptions quota;

    @Parameters(index = "0", paramLabel = "<model>", description = "The model name.")
    String model;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Grantee grantee = who.grantee(spec);
        Permission p = permission.permission(spec);
        Quota q = quota.quota();
        ModelRef.checkName(model, "model name");
        acting.validate();
        try (ModelService maas = repo.open()) {
            Grant g = acting.session(maas).grant(model, grantee, p, q);
            out.println(
                    "Shared "
                            + model
                            + ": "
                            + g.grantee()
                            + " may "
                            + MarketFormat.allows(g.permission())
                            + " ("
                            + MarketFormat.permission(g.permission())
                            + ", quota: "
                            + g.quota()
                            + ")");
        }
        return 0;
    }
}
