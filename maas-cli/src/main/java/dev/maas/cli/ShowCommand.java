package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.access.Grant;
import dev.maas.access.Permission;
import dev.maas.market.Lifecycle;
import dev.maas.market.ModelListing;
import dev.maas.market.ModelSession;
import dev.maas.repository.ListedVersion;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas show}: everything the caller may know of one model. */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        header = "Show a model: card, versions, lifecycle, usage, access and lineage.",
        description = {
            "Shows the card of the latest version (with licence, data sets, intended use,"
                    + " limitations, example input), every version (a broken one with the reason),"
                    + " aliases, deprecations, whether it is archived, its usage, the principal's"
                    + " permission, the grants, and the models it derives from and that derive"
                    + " from it."
        })
final class ShowCommand implements Callable<Integer> {
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
            ModelSession session = acting.session(maas);
            ModelListing listing = session.show(model);
            ModelCard latest = listing.latest().orElse(null);
            out.println(
                    model
                            + (latest == null
                                    ? ""
                                    : "  owner "
                                            + (latest.owner() == null ? "-" : latest.owner())
                                            + ", "
                                            + MarketFormat.visibility(latest.visibility()))
                            + (listing.lifecycle().archived() ? "  [archived]" : ""));
            if (latest != null) {
                printCard(out, latest);
            } else {
                out.println("  no readable version");
            }
            printVersions(out, listing);
            printState(out, listing, session.principal().id(), model);
            printGrants(out, session.grants(model));
            ModelSession.LineageView lineage = session.lineage(model);
            out.println(
                    "derived from: "
                            + (lineage.ancestors().isEmpty()
                                    ? "-"
                                    : lineage.ancestors().stream()
                                                    .map(ModelRef::toString)
                                                    .collect(Collectors.joining(" <- "))
                                            + " (nearest first)"));
            out.println(
                    "derived models: "
                            + (lineage.descendants().isEmpty()
                                    ? "-"
                                    : lineage.descendants().stream()
                                            .sorted()
                                            .collect(Collectors.joining(", "))));
        }
        return 0;
    }

    private static void printCard(PrintWriter out, ModelCard c) {
        out.println("latest: " + c.ref() + "  published " + MarketFormat.time(c.createdAt()));
        out.println(
                "  task "
                        + c.task()
                        + ", engine "
                        + c.engine()
                        + (c.engineVersion() == null ? "" : " " + c.engineVersion())
                        + ", format "
                        + c.format());
        field(out, "description", c.description());
        field(out, "license", c.license());
        field(out, "intended use", c.intendedUse());
        field(out, "limitations", c.limitations());
        if (!c.datasets().isEmpty()) {
            field(out, "data sets", String.join(", ", c.datasets()));
        }
        if (!c.tags().isEmpty()) {
            field(out, "tags", String.join(", ", c.tags()));
        }
        field(out, "input example", c.inputExample());
        out.println("  metrics: " + ModelsCommand.metrics(c.metrics()));
    }

    private static void field(PrintWriter out, String label, String value) {
        if (value != null && !value.isBlank()) {
            out.println("  " + label + ": " + MarketFormat.oneLine(value));
        }
    }

    private static void printVersions(PrintWriter out, ModelListing listing) {
        out.println("versions:");
        Map<Integer, String> deprecations = listing.lifecycle().deprecations();
        for (ListedVersion v : listing.versions()) {
            List<String> aliases =
                    listing.aliases().entrySet().stream()
                            .filter(a -> a.getValue() == v.version())
                            .map(Map.Entry::getKey)
                            .sorted()
                            .toList();
            StringBuilder line = new StringBuilder("  " + v.version());
            if (v.isReadable()) {
                line.append("  published ").append(MarketFormat.time(v.card().createdAt()));
            } else {
                line.append("  BROKEN: ").append(MarketFormat.oneLine(v.problem()));
            }
            if (!aliases.isEmpty()) {
                line.append("  (").append(String.join(", ", aliases)).append(")");
            }
            String deprecation = deprecations.get(v.version());
            if (deprecation != null) {
                line.append("  DEPRECATED: ").append(MarketFormat.oneLine(deprecation));
            }
            out.println(line);
        }
        out.println("aliases: " + ModelsCommand.aliases(listing.aliases()));
    }

    private static void printState(
            PrintWriter out, ModelListing listing, String principal, String model) {
        Lifecycle life = listing.lifecycle();
        out.println(
                "state: "
                        + (life.archived()
                                ? "archived by "
                                        + life.archivedBy()
                                        + " at "
                                        + MarketFormat.time(life.archivedAt())
                                        + " (hidden from search, not callable; an admin can"
                                        + " restore it)"
                                : "active"));
        out.println("usage: " + listing.usage() + " calls");
        Permission p = listing.permission();
        out.println(
                "your permission ("
                        + principal
                        + "): "
                        + MarketFormat.permission(p)
                        + " - may "
                        + MarketFormat.allows(p)
                        + (p.includes(Permission.USE)
                                ? ""
                                : "; to call it: maas request-access "
                                        + model
                                        + " --use --reason '...'"));
    }

    private static void printGrants(PrintWriter out, List<Grant> grants) {
        out.println("grants:" + (grants.isEmpty() ? " -" : ""));
        for (Grant g : grants) {
            out.println("  " + MarketFormat.grant(g));
        }
    }
}
