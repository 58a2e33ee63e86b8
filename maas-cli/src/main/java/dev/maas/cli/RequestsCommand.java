package dev.maas.cli;

import dev.maas.ModelService;
import dev.maas.access.AccessRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code maas requests}: the access requests the caller may decide or made. */
@Command(
        name = "requests",
        mixinStandardHelpOptions = true,
        header = "List access requests you may decide or made.",
        description = {
            "Lists, oldest first, the access requests on models the principal administers and"
                    + " those it made, with their state."
        })
final class RequestsCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;

    @Option(names = "--pending", description = "Only the requests still waiting for a decision.")
    boolean pending;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        acting.validate();
        try (ModelService maas = repo.open()) {
            List<AccessRequest> requests =
                    acting.session(maas).accessRequests().stream()
                            .filter(r -> !pending || r.state() == AccessRequest.State.PENDING)
                            .toList();
            if (requests.isEmpty()) {
                out.println("No " + (pending ? "pending " : "") + "access requests.");
                return 0;
            }
            for (AccessRequest r : requests) {
                out.println(r.id() + "  " + MarketFormat.state(r));
                out.println(
                        "  "
                                + r.requestedBy()
                                + " asks "
                                + MarketFormat.permission(r.permission())
                                + " on "
                                + r.model()
                                + " for "
                                + r.grantee()
                                + " at "
                                + MarketFormat.time(r.requestedAt())
                                + ": "
                                + MarketFormat.oneLine(r.reason()));
            }
        }
        return 0;
    }
}
