package dev.maas.access;

import java.util.Set;

/**
 * Who exists: principals and the teams they belong to. Grants may only name what the directory
 * knows, and a principal given by id ({@code maas.as("alice")}) is looked up here. A company can
 * implement it over its own directory service; the default keeps principals and teams in the
 * repository ({@link RepositoryDirectory}). Implementations must be thread-safe.
 */
public interface Directory {
    /**
     * Returns the principal {@code id} with its teams.
     *
     * @throws UnknownPrincipalException if there is no such principal
     */
    Principal principal(String id);

    /** Returns whether the team exists. */
    boolean hasTeam(String team);

    /** Returns whether the principal exists. */
    boolean hasPrincipal(String id);

    /** Returns every team, sorted. */
    Set<String> teams();

    /**
     * Checks that a grantee exists.
     *
     * @throws UnknownPrincipalException naming it if not
     */
    default void check(Grantee who) {
        boolean known =
                who.kind() == Grantee.Kind.TEAM ? hasTeam(who.name()) : hasPrincipal(who.name());
        if (!known) {
            throw new UnknownPrincipalException(
                    "unknown "
                            + (who.kind() == Grantee.Kind.TEAM ? "team" : "principal")
                            + " '"
                            + who.name()
                            + "'; teams: "
                            + (teams().isEmpty() ? "none" : String.join(", ", teams())));
        }
    }
}
