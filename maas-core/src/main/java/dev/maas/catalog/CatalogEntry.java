package dev.maas.catalog;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One model as discovery sees it: the card of its latest version the caller can read, and what is
 * known about the model as a whole. Immutable and thread-safe.
 *
 * @param latest the card of the model's latest readable version; search matches and sorts on it
 * @param versions how many versions the model has, at least 1
 * @param aliases each alias of the model mapped to the version it points at (copied, sorted)
 * @param usage the total number of calls recorded for the model, at least 0
 * @param deprecatedVersions the versions marked deprecated (copied, sorted)
 * @param archived whether the model is archived; search leaves archived models out unless asked
 */
public record CatalogEntry(
        ModelCard latest,
        int versions,
        Map<String, Integer> aliases,
        long usage,
        Set<Integer> deprecatedVersions,
        boolean archived) {

    /**
     * Validates the parts and copies the collections.
     *
     * @throws NullPointerException if {@code latest}, a collection or one of its elements is {@code
     *     null}
     * @throws IllegalArgumentException if the card has no version, {@code versions} is below 1,
     *     {@code usage} is negative, an alias name is malformed or an alias or deprecated version
     *     lies outside 1 to {@link ModelRef#MAX_VERSION}
     */
    public CatalogEntry {
        Objects.requireNonNull(latest, "latest");
        if (latest.version() == 0) {
            throw new IllegalArgumentException(
                    "card of '" + latest.name() + "' has no version: expected a published card");
        }
        if (versions < 1) {
            throw new IllegalArgumentException(
                    "versions of '" + latest.name() + "' must be at least 1, was " + versions);
        }
        if (usage < 0) {
            throw new IllegalArgumentException(
                    "usage of '" + latest.name() + "' must be at least 0, was " + usage);
        }
        Objects.requireNonNull(aliases, "aliases");
        Objects.requireNonNull(deprecatedVersions, "deprecatedVersions");
        TreeMap<String, Integer> a = new TreeMap<>();
        aliases.forEach(
                (alias, version) -> {
                    ModelRef.checkName(alias, "alias");
                    ModelRef.checkVersion(Objects.requireNonNull(version, alias), 1);
                    a.put(alias, version);
                });
        aliases = Collections.unmodifiableMap(a);
        TreeSet<Integer> d = new TreeSet<>();
        for (Integer v : deprecatedVersions) {
            d.add(ModelRef.checkVersion(Objects.requireNonNull(v, "deprecated version"), 1));
        }
        deprecatedVersions = Collections.unmodifiableSet(d);
    }

    /** Returns an entry for a model with one version and no aliases, usage or deprecations. */
    public static CatalogEntry of(ModelCard latest) {
        return new CatalogEntry(latest, 1, Map.of(), 0, Set.of(), false);
    }

    /** Returns the model's name. */
    public String name() {
        return latest.name();
    }
}
