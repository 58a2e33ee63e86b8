package dev.maas.cli;

import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.access.AccessRequest;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Principal;
import dev.maas.market.ModelSession;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas request-access}: asks the admins of a model for a permission. */
@Command(
        name = "request-access",
        mixinStandardHelpOptions = true,
        header = "Ask for a permission on a model you can see.",
        sortOptions = false,
        description = {
            "Asks for --read, --use, --publish or --admin on a model, for yourself or for one of"
                    + " your teams (--team), with a reason. Prints the request's id; the model's"
                    + " admins see it in 'maas requests' and approve or deny it."
        })
final class RequestAccessCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;
    @Mixin PermissionOptions permission;

    @Parameters(index = "0", paramLabel = "<model>", description = "The model name.")
    String model;

    @Option(
            names = "--team",
            paramLabel = "<team>",
            description = "Ask for this team of yours (default: for yourself).")
    String team;

    @Option(
            names = "--reason",
            required = true,
            paramLabel = "<text>",
            description = "Why you need it, for the admins who decide.")
    String reason;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Permission p = permission.permission(spec);
        ModelRef.checkName(model, "model name");
        if (team != null) {
            Principal.checkId(team, "team name");
        }
        if (reason.isBlank()) {
            throw new CliException("--reason is blank: say why you need access");
        }
        acting.validate();
        try (ModelService maas = repo.open()) {
            ModelSession session = acting.session(maas);
            Grantee forWhom =
                    team != null ? Grantee.team(team) : Grantee.principal(session.principal().id());
            AccessRequest r = session.requestAccess(model, forWhom, p, reason.strip());
            out.println("Request " + r.id());
            out.println(
                    "  "
                            + MarketFormat.permission(r.permission())
                            + " on "
                            + r.model()
                            + " for "
                            + r.grantee()
                            + ", pending; an admin of "
                            + r.model()
                            + " decides it with 'maas approve "
                            + r.id()
                            + "' or 'maas deny "
                            + r.id()
                            + "'");
        }
        return 0;
    }
}
