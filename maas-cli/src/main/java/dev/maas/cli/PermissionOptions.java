package dev.maas.cli;

import dev.maas.access.Permission;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The permission flags of {@code share} and {@code request-access}: exactly one is given. */
final class PermissionOptions {
    @Option(names = "--read", description = "See the model: card, versions, usage, lineage.")
    boolean read;

    @Option(names = "--use", description = "Call it (and see it).")
    boolean use;

    @Option(
            names = "--publish",
            description = "Publish versions, move aliases, deprecate versions (and use it).")
    boolean publish;

    @Option(
            names = "--admin",
            description = "Share it, decide access requests, archive and restore it (and publish).")
    boolean admin;

    /**
     * Returns the one permission given.
     *
     * @throws picocli.CommandLine.ParameterException if none or several were given
     */
    Permission permission(CommandSpec spec) {
        List<String> given = new ArrayList<>();
        Permission chosen = null;
        if (read) {
            given.add("--read");
            chosen = Permission.READ;
        }
        if (use) {
            given.add("--use");
            chosen = Permission.USE;
        }
        if (publish) {
            given.add("--publish");
            chosen = Permission.PUBLISH;
        }
        if (admin) {
            given.add("--admin");
            chosen = Permission.ADMIN;
        }
        if (given.size() != 1) {
            throw Main.usageError(
                    spec,
                    given.isEmpty()
                            ? "name the permission: one of --read, --use, --publish, --admin"
                            : "name one permission, not " + String.join(" and ", given));
        }
        return chosen;
    }
}
