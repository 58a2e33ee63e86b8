package dev.maas.cli;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.Visibility;
import dev.maas.catalog.Catalog;
import dev.maas.catalog.CatalogEntry;
import dev.maas.catalog.CatalogQuery;
import dev.maas.market.ModelSession;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas search}: finds the models the caller can see. */
@Command(
        name = "search",
        mixinStandardHelpOptions = true,
        header = "Search the models you can see.",
        sortOptions = false,
        description = {
            "Lists the models the principal can see that match the text (name, tags, task,"
                    + " description, intended use) and every filter, a page at a time. Archived"
                    + " models are left out unless --archived."
        })
final class SearchCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;
    @Mixin ActingOptions acting;

    @Parameters(arity = "0..1", paramLabel = "<text>", description = "Words to look for.")
    String text;

    @Option(names = "--task", paramLabel = "<task>", description = "Only this task.")
    String task;

    @Option(
            names = "--tag",
            paramLabel = "<tag>",
            description = "Only models with this tag (repeat: all of them).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--owner", paramLabel = "<team>", description = "Only this owner team.")
    String owner;

    @Option(names = "--engine", paramLabel = "<engine>", description = "Only this engine.")
    String engine;

    @Option(names = "--license", paramLabel = "<license>", description = "Only this licence.")
    String license;

    @Option(
            names = "--visibility",
            paramLabel = "<visibility>",
            description = "Only public, restricted or private models.")
    Visibility visibility;

    @Option(
            names = "--metric",
            paramLabel = "<threshold>",
            description = "Only models meeting it, such as 'ndcg@10>=0.3' (repeat: all of them).")
    List<String> metrics = new ArrayList<>();

    @Option(
            names = "--sort",
            paramLabel = "<order>",
            description =
                    "relevance, newest, most-used, or best:<metric>[:asc] (highest first; :asc"
                            + " for lowest first). Default: relevance with text, else newest.")
    String sort;

    @Option(names = "--archived", description = "Include archived models.")
    boolean archived;

    @Option(
            names = "--page-size",
            paramLabel = "<n>",
            defaultValue = "20",
            description = "Models per page, 1 to 200. Default: ${DEFAULT-VALUE}.")
    int pageSize;

    @Option(
            names = "--page",
            paramLabel = "<token>",
            description = "The page a previous search named (its 'Next page' line).")
    String page;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Every option is checked before the repository is read.
        CatalogQuery query = query();
        PageToken token = null;
        if (page != null) {
            token = PageToken.parse(page);
            token.checkFor(query);
        }
        acting.validate();
        int from = token == null ? 0 : token.offset();
        try (ModelService maas = repo.open()) {
            ModelSession session = acting.session(maas);
            List<CatalogEntry> found = new ArrayList<>();
            int total = fetch(session, query, from + pageSize, found);
            List<CatalogEntry> shown =
                    found.subList(
                            Math.min(from, found.size()), Math.min(from + pageSize, found.size()));
            print(out, shown, query);
            if (total == 0) {
                out.println("No models match.");
            } else if (shown.isEmpty()) {
                out.println("No models on this page: the search finds " + total + " now.");
            } else {
                out.println(
                        "Models "
                                + (from + 1)
                                + "-"
                                + (from + shown.size())
                                + " of "
                                + total
                                + ".");
            }
            int next = from + pageSize;
            if (next < total) {
                out.println(
                        "Next page: "
                                + nextCommand(new PageToken(next, PageToken.fingerprint(query))));
            }
        }
        return 0;
    }

    /**
     * Collects, in order, at least the first {@code wanted} results (or all there are) into {@code
     * found}, following the catalogue's pages within this process; returns the total.
     */
    private static int fetch(
            ModelSession session, CatalogQuery query, int wanted, List<CatalogEntry> found) {
        CatalogQuery q = query.toBuilder().pageSize(CatalogQuery.MAX_PAGE_SIZE).build();
        Catalog.Page p = session.search(q);
        found.addAll(p.items());
        while (found.size() < wanted && p.nextPageToken() != null) {
            p = session.search(q.toBuilder().pageToken(p.nextPageToken()).build());
            found.addAll(p.items());
        }
        return p.total();
    }

    private CatalogQuery query() {
        if (pageSize < 1 || pageSize > CatalogQuery.MAX_PAGE_SIZE) {
            throw new CliException(
                    "--page-size must be between 1 and "
                            + CatalogQuery.MAX_PAGE_SIZE
                            + ", was "
                            + pageSize);
        }
        CatalogQuery.Builder b =
                CatalogQuery.builder()
                        .text(text)
                        .task(filter("--task", task))
                        .owner(filter("--owner", owner))
                        .engine(filter("--engine", engine))
                        .license(filter("--license", license))
                        .visibility(visibility)
                        .includeArchived(archived)
                        .sort(sort(sort))
                        .pageSize(pageSize);
        for (String tag : tags) {
            b.tag(filter("--tag", tag));
        }
        for (String m : metrics) {
            b.metric(m);
        }
        return b.build();
    }

    private static String filter(String option, String value) {
        if (value != null && value.isBlank()) {
            throw new CliException(
                    option + " is " + (value.isEmpty() ? "empty" : "blank") + ": expected a value");
        }
        return value;
    }

    /**
     * Reads {@code relevance}, {@code newest}, {@code most-used} or {@code best:<metric>[:asc]}.
     */
    static CatalogQuery.Sort sort(String text) {
        if (text == null) {
            return null;
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "relevance":
                return CatalogQuery.Sort.RELEVANCE;
            case "newest":
                return CatalogQuery.Sort.NEWEST;
            case "most-used":
                return CatalogQuery.Sort.MOST_USED;
            default:
                break;
        }
        if (t.startsWith("best:") && t.length() > "best:".length()) {
            String metric = t.substring("best:".length());
            boolean higherFirst = true;
            if (metric.endsWith(":asc")) {
                metric = metric.substring(0, metric.length() - ":asc".length());
                higherFirst = false;
            } else if (metric.endsWith(":desc")) {
                metric = metric.substring(0, metric.length() - ":desc".length());
            }
            try {
                return CatalogQuery.Sort.best(metric, higherFirst);
            } catch (IllegalArgumentException e) {
                throw new CliException("--sort " + text + ": " + e.getMessage(), e);
            }
        }
        throw new CliException(
                "--sort must be relevance, newest, most-used or best:<metric>[:asc], was '"
                        + text
                        + "'");
    }

    private static void print(PrintWriter out, List<CatalogEntry> entries, CatalogQuery query) {
        if (entries.isEmpty()) {
            return;
        }
        Set<String> keys = new LinkedHashSet<>(ModelsCommand.KEY_METRICS);
        query.metrics().forEach(m -> keys.add(m.metric()));
        if (query.sort().metric() != null) {
            keys.add(query.sort().metric());
        }
        out.println(
                String.format(
                        Locale.ROOT,
                        "%-28s %7s  %-15s %-12s %-10s %7s  %s",
                        "NAME",
                        "LATEST",
                        "TASK",
                        "OWNER",
                        "VISIBILITY",
                        "USAGE",
                        "KEY METRICS"));
        for (CatalogEntry e : entries) {
            ModelCard c = e.latest();
            String name =
                    e.name()
                            + (e.archived() ? " [archived]" : "")
                            + (e.deprecatedVersions().contains(c.version()) ? " [deprecated]" : "");
            out.println(
                    String.format(
                            Locale.ROOT,
                            "%-28s %7s  %-15s %-12s %-10s %7s  %s",
                            name,
                            c.version(),
                            c.task(),
                            c.owner() == null ? "-" : c.owner(),
                            MarketFormat.visibility(c.visibility()),
                            Format.count(e.usage()),
                            metrics(c, keys)));
        }
    }

    private static String metrics(ModelCard card, Set<String> keys) {
        String s =
                keys.stream()
                        .filter(card.metrics()::containsKey)
                        .map(k -> String.format(Locale.ROOT, "%s %.4f", k, card.metrics().get(k)))
                        .collect(Collectors.joining("  "));
        return s.isEmpty() ? "-" : s;
    }

    /** Returns the command line that prints the page of {@code token}. */
    private String nextCommand(PageToken token) {
        List<String> a = new ArrayList<>(List.of("maas", "search"));
        if (text != null) {
            a.add(text);
        }
        option(a, "--task", task);
        tags.forEach(t -> option(a, "--tag", t));
        option(a, "--owner", owner);
        option(a, "--engine", engine);
        option(a, "--license", license);
        option(a, "--visibility", visibility == null ? null : MarketFormat.visibility(visibility));
        metrics.forEach(m -> option(a, "--metric", m));
        option(a, "--sort", sort);
        if (archived) {
            a.add("--archived");
        }
        if (pageSize != CatalogQuery.DEFAULT_PAGE_SIZE) {
            option(a, "--page-size", Integer.toString(pageSize));
        }
        option(a, "--root", repo.root == null ? null : repo.root().toString());
        option(a, "--catalog", repo.catalog);
        option(a, "--catalog-user", repo.catalogUser);
        option(a, "--blobs", repo.blobs == null ? null : repo.blobs.toString());
        option(a, "--as", acting.as);
        option(a, "--page", token.toString());
        return a.stream().map(MarketFormat::shell).collect(Collectors.joining(" "));
    }

    private static void option(List<String> args, String name, String value) {
        if (value != null) {
            args.add(name);
            args.add(value);
        }
    }
}
