package dev.maas.cli;

import dev.maas.ModelService;
import dev.maas.recommend.RecommendOptions;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code maas recommend}: asks a published recommender. */
@Command(
        name = "recommend",
        mixinStandardHelpOptions = true,
        header = "Recommend for a user, or find similar items.",
        sortOptions = false,
        description =
                "Recommends items for a user, lists items similar to an item, or scores items for"
                        + " a user, with a published recommender.")
final class RecommendCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin RepoOptions repo;

    @Option(
            names = "--model",
            paramLabel = "<ref>",
            defaultValue = "movies@production",
            description =
                    "Model reference: name, name:version or name@alias. Default: ${DEFAULT-VALUE}.")
    String model;

    static final class Query {
        @Option(names = "--user", paramLabel = "<id>", description = "Recommend for this user.")
        String user;

        @Option(
                names = "--similar",
                paramLabel = "<item>",
                description = "List items similar to this item id.")
        String similar;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Query query;

    @Option(
            names = "-k",
            paramLabel = "<k>",
            defaultValue = "10",
            description = "How many items. Default: ${DEFAULT-VALUE}.")
    int k;

    @Option(names = "--include-seen", description = "Also recommend items the user has seen.")
    boolean includeSeen;

    @Option(
            names = "--allowed",
            split = ",",
            paramLabel = "<item>",
            description = "Only these item ids may be recommended (comma-separated).")
    List<String> allowed;

    @Option(
            names = "--genre",
            paramLabel = "<genre>",
            description = "Only items of this genre (case-insensitive).")
    String genre;

    @Option(
            names = "--candidates",
            split = ",",
            paramLabel = "<item>",
            description = "Rank only these item ids (comma-separated).")
    List<String> candidates;

    @Option(
            names = "--exclude",
            split = ",",
            paramLabel = "<item>",
            description = "Never recommend these item ids (comma-separated).")
    List<String> exclude;

    @Option(
            names = "--score",
            split = ",",
            paramLabel = "<item>",
            description = "With --user: print the scores of these item ids instead.")
    List<String> score;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (k <= 0) {
            throw new CliException("-k must be > 0, was " + k);
        }
        // An empty id would otherwise get the popularity list, as for a real visitor.
        checkId("--user", "a user id, such as --user 196", query.user);
        checkId("--similar", "an item id, such as --similar 50", query.similar);
        try (ModelService maas = repo.open()) {
            Recommender rec = Recommender.open(maas, model);
            if (query.similar != null) {
                if (score != null || allowed != null || candidates != null || genre != null) {
                    throw new CliException(
                            "--similar takes only -k; --score, --allowed, --genre and --candidates"
                                    + " go with --user");
                }
                Recommendations r = rec.similarItems(query.similar, k);
                String title = rec.item(query.similar).title();
                out.println(
                        "Items similar to "
                                + title
                                + " ("
                                + query.similar
                                + "), from "
                                + r.model()
                                + ":");
                Format.items(out, r, "  ");
                return 0;
            }
            if (score != null) {
                Recommendations r = rec.score(query.user, score);
                out.println(header("Scores", query.user, r));
                Format.items(out, r, "  ");
                return 0;
            }
            RecommendOptions.Builder options = RecommendOptions.builder().excludeSeen(!includeSeen);
            if (allowed != null) {
                options.allowedItems(allowed);
            }
            if (candidates != null) {
                options.candidates(candidates);
            }
            if (exclude != null) {
                options.exclude(exclude);
            }
            if (genre != null) {
                String g = genre.toLowerCase(Locale.ROOT);
                options.filter(
                        item ->
                                item.genres().stream()
                                        .anyMatch(x -> x.toLowerCase(Locale.ROOT).equals(g)));
            }
            Recommendations r = rec.recommend(query.user, k, options.build());
            out.println(header("Recommendations", query.user, r));
            Format.items(out, r, "  ");
        }
        return 0;
    }

    private static void checkId(String option, String expected, String id) {
        if (id != null && id.isBlank()) {
            throw new CliException(
                    option
                            + " is "
                            + (id.isEmpty() ? "empty" : "blank")
                            + ": expected "
                            + expected);
        }
    }

    private static String header(String what, String user, Recommendations r) {
        return what
                + " for user "
                + user
                + " from "
                + r.model()
                + (r.isFallback() ? " (user not in the training data: most popular items)" : "")
                + ":";
    }
}
