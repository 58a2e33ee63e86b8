package dev.maas.cli;

import dev.maas.ModelService;
import dev.maas.access.Principal;
import dev.maas.access.UnknownPrincipalException;
import dev.maas.market.ModelSession;
import picocli.CommandLine.Option;

/**
 * The {@code --as} option of the marketplace commands: the principal a command acts for, looked up
 * in the repository's directory. Whoever can write the repository folder is trusted to say who they
 * are, as a host application is (see the README's "Command line").
 */
final class ActingOptions {
    @Option(
            names = "--as",
            paramLabel = "<principal>",
            description =
                    "Act as this principal of the repository's directory (default: the OS user,"
                            + " ${sys:user.name}).")
    String as;

    /** Returns the principal id: {@code --as}, else the OS user name. */
    String id() {
        return as != null ? as : System.getProperty("user.name", "");
    }

    /**
     * Checks the form of the principal id, before any work.
     *
     * @throws IllegalArgumentException if {@code --as} is malformed
     * @throws CliException if the OS user name is not a valid principal id and no {@code --as} was
     *     given
     */
    void validate() {
        try {
            Principal.checkId(id(), "principal id");
        } catch (IllegalArgumentException e) {
            if (as == null) {
                throw new CliException(
                        e.getMessage() + " (the OS user name): pass --as <principal>", e);
            }
            throw e;
        }
    }

    /**
     * Returns the principal with its teams, from the directory.
     *
     * @throws CliException if the directory does not know it, saying how to add it
     */
    Principal principal(ModelService maas) {
        validate();
        String id = id();
        try {
            return maas.marketplace().directory().principal(id);
        } catch (UnknownPrincipalException e) {
            throw new CliException(
                    "unknown principal '"
                            + id
                            + "': add it with 'maas principal add "
                            + id
                            + " --team <team>'"
                            + (as == null ? " (it is the OS user; or pass --as <principal>)" : ""),
                    e);
        }
    }

    /** Returns a session acting for the principal. */
    ModelSession session(ModelService maas) {
        return maas.as(principal(maas));
    }
}
