package dev.maas.cli;

import dev.maas.access.Grantee;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Who {@code share} and {@code unshare} are about: a team or a principal, exactly one. */
final class GranteeOptions {
    @Option(names = "--team", paramLabel = "<team>", description = "Every member of this team.")
    String team;

    @Option(names = "--principal", paramLabel = "<id>", description = "This one principal.")
    String principal;

    /**
     * Returns the grantee.
     *
     * @throws picocli.CommandLine.ParameterException unless exactly one of the options was given
     * @throws IllegalArgumentException if the name is malformed
     */
    Grantee grantee(CommandSpec spec) {
        if ((team == null) == (principal == null)) {
            throw Main.usageError(
                    spec,
                    team == null
                            ? "name who: --team <team> or --principal <id>"
                            : "name one grantee: --team or --principal, not both");
        }
        return team != null ? Grantee.team(team) : Grantee.principal(principal);
    }
}
