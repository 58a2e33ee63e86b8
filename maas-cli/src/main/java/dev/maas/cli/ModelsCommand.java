package dev.maas.cli;

import dev.maas.MaasException;
import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.DataSummary;
import dev.maas.repository.ListedVersion;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas models}: lists published models, or the versions of one. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        header = "List published models and their cards.",
        description = {
            "Lists the published models, or every version of one model with its card.",
            "A version whose card cannot be read is listed as BROKEN with the reason, and the"
                    + " listing goes on."
        })
final class ModelsCommand implements Callable<Integer> {
    /** Metrics shown in listings, in this order, when a card has them. */
    static final List<String> KEY_METRICS = List.of("rmse", "ndcg@10", "hr@10", "recall@10");

    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;

    @Parameters(
            arity = "0..1",
            paramLabel = "<name>",
            description = "A model name: show all its versions.")
    String name;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ModelService maas = repo.open()) {
            if (name != null) {
                Map<String, Integer> aliases = maas.aliases(name);
                for (ListedVersion v : maas.repository().listing(name)) {
                    if (v.isReadable()) {
                        printCard(out, v.card(), aliases);
                    } else {
                        out.println(name + ":" + v.version() + "  BROKEN: " + v.problem());
                    }
                    out.println();
                }
                return 0;
            }
            List<String> names = maas.models();
            if (names.isEmpty()) {
                out.println(
                        "No models in "
                                + repo.location()
                                + " yet. Run 'maas demo', or 'maas train --publish'.");
                return 0;
            }
            out.println(
                    String.format(
                            Locale.ROOT,
                            "%-20s %8s %-24s %-16s %s",
                            "NAME",
                            "VERSIONS",
                            "ALIASES",
                            "TASK",
                            "LATEST METRICS"));
            List<String> problems = new ArrayList<>();
            for (String n : names) {
                try {
                    List<ListedVersion> versions = maas.repository().listing(n);
                    ModelCard latest = null;
                    for (ListedVersion v : versions) {
                        if (v.isReadable()) {
                            latest = v.card();
                        } else {
                            problems.add(n + ":" + v.version() + " BROKEN: " + v.problem());
                        }
                    }
                    out.println(
                            String.format(
                                    Locale.ROOT,
                                    "%-20s %8d %-24s %-16s %s",
                                    n,
                                    versions.size(),
                                    aliases(maas.aliases(n)),
                                    latest == null ? "-" : latest.task(),
                                    latest == null ? "-" : metrics(latest.metrics())));
                } catch (MaasException e) {
                    // One model whose folder cannot be read must not hide the others.
                    out.println(String.format(Locale.ROOT, "%-20s %8s", n, "?"));
                    problems.add(n + " UNREADABLE: " + Errors.describe(e));
                }
            }
            for (String problem : problems) {
                out.println("  " + problem);
            }
            out.println("Details: maas models <name>");
        }
        return 0;
    }

    static String aliases(Map<String, Integer> aliases) {
        if (aliases.isEmpty()) {
            return "-";
        }
        return new TreeMap<>(aliases)
                .entrySet().stream()
                        .map(e -> e.getKey() + "->" + e.getValue())
                        .collect(Collectors.joining(","));
    }

    static String metrics(Map<String, Double> metrics) {
        String s =
                KEY_METRICS.stream()
                        .filter(metrics::containsKey)
                        .map(k -> String.format(Locale.ROOT, "%s %.4f", k, metrics.get(k)))
                        .collect(Collectors.joining("  "));
        return s.isEmpty() ? "-" : s;
    }

    /** Prints one card: version, time, engine, aliases, metrics and data summary. */
    static void printCard(PrintWriter out, ModelCard card, Map<String, Integer> aliases) {
        List<String> pointing =
                aliases.entrySet().stream()
                        .filter(e -> e.getValue() == card.version())
                        .map(Map.Entry::getKey)
                        .sorted()
                        .toList();
        out.println(
                card.ref()
                        + (pointing.isEmpty() ? "" : "  (" + String.join(", ", pointing) + ")")
                        + "  published "
                        + card.createdAt());
        out.println(
                "  task "
                        + card.task()
                        + ", engine "
                        + card.engine()
                        + ", format "
                        + card.format()
                        + (card.properties().containsKey("recommender.kind")
                                ? ", model " + card.properties().get("recommender.kind")
                                : ""));
        if (card.owner() != null || card.license() != null) {
            out.println(
                    "  owner "
                            + (card.owner() == null ? "-" : card.owner())
                            + ", "
                            + MarketFormat.visibility(card.visibility())
                            + (card.license() == null ? "" : ", license " + card.license()));
        }
        if (card.description() != null) {
            out.println("  " + card.description());
        }
        out.println("  metrics: " + metrics(card.metrics()));
        Double popularity = card.metrics().get("baseline.popularity.ndcg@10");
        if (popularity != null) {
            out.println(
                    String.format(
                            Locale.ROOT,
                            "           (popularity baseline ndcg@10 %.4f)",
                            popularity));
        }
        if (card.properties().containsKey("data.users")) {
            try {
                out.println("  data: " + DataSummary.of(card));
            } catch (IllegalArgumentException e) {
                out.println("  data: (unreadable summary: " + e.getMessage() + ")");
            }
        }
    }
}
