package dev.maas.cli;

import dev.maas.ModelService;
import dev.maas.access.Grant;
import dev.maas.access.Quota;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas approve}: approves an access request, which grants what it asked for. */
@Command(
        name = "approve",
        mixinStandardHelpOptions = true,
        header = "Approve an access request: grant what it asked for.",
        sortOptions = false,
        description = {"Needs admin on the request's model. The quota limits the grantee's calls."})
final class ApproveCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;
    @Mixin QuotaOptions quota;

    @Parameters(index = "0", paramLabel = "<id>", description = "The request's id.")
    String id;

    @Option(names = "--note", paramLabel = "<text>", description = "A note for the requester.")
    String note;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Quota q = quota.quota();
        RequestIds.check(id);
        acting.validate();
        try (ModelService maas = repo.open()) {
            Grant g = acting.session(maas).approve(id, q, note);
            out.println(
                    "Approved "
                            + id
                            + ": "
                            + g.grantee()
                            + " may "
                            + MarketFormat.allows(g.permission())
                            + " on "
                            + g.model()
                            + " ("
                            + MarketFormat.permission(g.permission())
                            + ", quota: "
                            + g.quota()
                            + ")");
        }
        return 0;
    }
}
