package dev.maas.cli;

import dev.maas.ModelService;
import dev.maas.access.Principal;
import dev.maas.access.RepositoryDirectory;
import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas principal add|list}: the users and services of the repository's directory. */
@Command(
        name = "principal",
        mixinStandardHelpOptions = true,
        header = "Add and list principals (users, services) and their teams.",
        description = {
            "Principals are who the marketplace commands act for (--as). They are kept in the"
                    + " repository; whoever can write the repository folder manages them."
        },
        subcommands = {PrincipalCommand.Add.class, PrincipalCommand.ListPrincipals.class})
final class PrincipalCommand {
    /** {@code maas principal add}. */
    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            header = "Add a principal, or set the teams of one.")
    static final class Add implements Callable<Integer> {
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin RepoOptions repo;

        @Parameters(index = "0", paramLabel = "<id>", description = "Principal id, such as alice.")
        String id;

        @Option(
                names = "--team",
                required = true,
                paramLabel = "<team>",
                description = "A team it belongs to (repeat for more); replaces its teams.")
        List<String> teams;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Principal.checkId(id, "principal id");
            teams.forEach(t -> Principal.checkId(t, "team name"));
            try (ModelService maas = repo.open()) {
                RepositoryDirectory dir = TeamCommand.directory(maas);
                Set<String> before = dir.principals().get(id);
                Principal p =
                        dir.addPrincipal(id, new LinkedHashSet<>(teams).toArray(new String[0]));
                String teamList = String.join(", ", p.teams());
                if (before == null) {
                    out.println("Added principal " + id + " (teams: " + teamList + ")");
                } else {
                    out.println(
                            "Principal "
                                    + id
                                    + " now in teams: "
                                    + teamList
                                    + " (was: "
                                    + (before.isEmpty() ? "none" : String.join(", ", before))
                                    + ")");
                }
            }
            return 0;
        }
    }

    /** {@code maas principal list}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            header = "List principals and their teams.")
    static final class ListPrincipals implements Callable<Integer> {
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin RepoOptions repo;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (ModelService maas = repo.open()) {
                Map<String, Set<String>> principals = TeamCommand.directory(maas).principals();
                if (principals.isEmpty()) {
                    out.println(
                            "No principals in "
                                    + repo.location()
                                    + " yet: maas principal add <id> --team <team>");
                    return 0;
                }
                out.println(String.format("%-24s %s", "PRINCIPAL", "TEAMS"));
                principals.forEach(
                        (id, teams) ->
                                out.println(
                                        String.format(
                                                "%-24s %s",
                                                id,
                                                teams.isEmpty() ? "-" : String.join(", ", teams))));
            }
            return 0;
        }
    }
}
