package dev.maas.cli;

import dev.maas.ModelService;
import dev.maas.access.Directory;
import dev.maas.access.Principal;
import dev.maas.access.RepositoryDirectory;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas team add|list}: the teams of the repository's directory. */
@Command(
        name = "team",
        mixinStandardHelpOptions = true,
        header = "Add and list the teams that own and share models.",
        description = {
            "Teams own models and receive grants. They are kept in the repository; whoever can"
                    + " write the repository folder manages them."
        },
        subcommands = {TeamCommand.Add.class, TeamCommand.ListTeams.class})
final class TeamCommand {
    /** Returns the directory of the repository's marketplace. */
    static RepositoryDirectory directory(ModelService maas) {
        Directory d = maas.marketplace().directory();
        if (d instanceof RepositoryDirectory r) {
            return r;
        }
        throw new CliException("the marketplace's directory is not kept in the repository");
    }

    /** {@code maas team add}. */
    @Command(name = "add", mixinStandardHelpOptions = true, header = "Add teams.")
    static final class Add implements Callable<Integer> {
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin RepoOptions repo;

        @Parameters(arity = "1..*", paramLabel = "<team>", description = "Team names to add.")
        List<String> teams;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            teams.forEach(t -> Principal.checkId(t, "team name"));
            try (ModelService maas = repo.open()) {
                RepositoryDirectory dir = directory(maas);
                for (String team : teams) {
                    if (dir.hasTeam(team)) {
                        out.println("Team " + team + " exists already");
                    } else {
                        dir.addTeam(team);
                        out.println("Added team " + team);
                    }
                }
            }
            return 0;
        }
    }

    /** {@code maas team list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, header = "List teams and members.")
    static final class ListTeams implements Callable<Integer> {
        @Spec picocli.CommandLine.Model.CommandSpec spec;
        @Mixin RepoOptions repo;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (ModelService maas = repo.open()) {
                RepositoryDirectory dir = directory(maas);
                Set<String> teams = dir.teams();
                if (teams.isEmpty()) {
                    out.println("No teams in " + repo.location() + " yet: maas team add <team>");
                    return 0;
                }
                out.println(String.format("%-24s %s", "TEAM", "MEMBERS"));
                for (String team : teams) {
                    List<String> members = dir.members(team);
                    out.println(
                            String.format(
                                    "%-24s %s",
                                    team, members.isEmpty() ? "-" : String.join(", ", members)));
                }
            }
            return 0;
        }
    }
}
