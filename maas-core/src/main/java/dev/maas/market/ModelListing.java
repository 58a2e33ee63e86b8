package dev.maas.market;

import dev.maas.ModelCard;
import dev.maas.access.Permission;
import dev.maas.repository.ListedVersion;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a session shows of one model: its versions (each with its card, or why it cannot be
 * read), aliases, lifecycle, usage and the viewer's permission. Immutable.
 *
 * @param versions the versions, oldest first
 * @param aliases the aliases and their versions
 * @param lifecycle archived or not, and deprecated versions
 * @param usage calls recorded, all versions and principals together
 * @param permission what the viewing principal may do
 */
public record ModelListing(
        List<ListedVersion> versions,
        Map<String, Integer> aliases,
        Lifecycle lifecycle,
        long usage,
        Permission permission) {
    /** Copies. */
    public ModelListing {
        versions = List.copyOf(versions);
        aliases = Map.copyOf(aliases);
    }

    /** Returns the card of the latest readable version, if any. */
    public Optional<ModelCard> latest() {
        for (int i = versions.size() - 1; i >= 0; i--) {
            if (versions.get(i).isReadable()) {
                return Optional.of(versions.get(i).card());
            }
        }
        return Optional.empty();
    }
}
