package dev.maas.access;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.maas.RepositoryException;
import dev.maas.repository.ModelRepository;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The default {@link Directory}: teams and principals kept in the repository's {@code directory}
 * document, changed atomically (safe for several processes sharing the repository). Thread-safe.
 */
public final class RepositoryDirectory implements Directory {
    private static final String DOCUMENT = "directory";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private final ModelRepository repository;

    /** Keeps the directory in {@code repository}. */
    public RepositoryDirectory(ModelRepository repository) {
        this.repository = Objects.requireNonNull(repository, "repository");
    }

    /** The stored form. */
    private static final class Stored {
        TreeSet<String> teams = new TreeSet<>();
        TreeMap<String, TreeSet<String>> principals = new TreeMap<>();
    }

    private Stored read() {
        return parse(repository.document(DOCUMENT));
    }

    private static Stored parse(String json) {
        if (json == null) {
            return new Stored();
        }
        try {
            Stored s = GSON.fromJson(json, Stored.class);
            if (s == null || s.teams == null || s.principals == null) {
                throw new JsonParseException("'teams' and 'principals' are required");
            }
            return s;
        } catch (JsonParseException e) {
            throw new RepositoryException("corrupt directory document: " + e.getMessage(), e);
        }
    }

    @Override
    public Principal principal(String id) {
        Principal.checkId(id, "principal id");
        Set<String> teams = read().principals.get(id);
        if (teams == null) {
            throw new UnknownPrincipalException(
                    "unknown principal '" + id + "': add it with addPrincipal first");
        }
        return new Principal(id, teams);
    }

    @Override
    public boolean hasTeam(String team) {
        return read().teams.contains(team);
    }

    @Override
    public boolean hasPrincipal(String id) {
        return read().principals.containsKey(id);
    }

    @Override
    public Set<String> teams() {
        return Collections.unmodifiableSet(read().teams);
    }

    /** Returns every principal with its teams, by id. */
    public Map<String, Set<String>> principals() {
        return Collections.unmodifiableMap(new TreeMap<>(read().principals));
    }

    /**
     * Adds a team; adding one that exists changes nothing.
     *
     * @throws IllegalArgumentException if the name is malformed
     */
    public void addTeam(String team) {
        Principal.checkId(team, "team name");
        update(s -> s.teams.add(team));
    }

    /**
     * Adds or replaces a principal and the teams it belongs to.
     *
     * @throws UnknownPrincipalException if a team does not exist (nothing changed)
     * @throws IllegalArgumentException if the id or a team name is malformed
     */
    public Principal addPrincipal(String id, String... teams) {
        Principal p = Principal.of(id, teams);
        update(
                s -> {
                    for (String t : p.teams()) {
                        if (!s.teams.contains(t)) {
                            throw new UnknownPrincipalException(
                                    "unknown team '"
                                            + t
                                            + "' for principal '"
                                            + id
                                            + "'; teams: "
                                            + (s.teams.isEmpty()
                                                    ? "none"
                                                    : String.join(", ", s.teams)));
                        }
                    }
                    s.principals.put(id, new TreeSet<>(p.teams()));
                });
        return p;
    }

    /** Removes a principal; returns whether it existed. Grants naming it stay, and match nobody. */
    public boolean removePrincipal(String id) {
        boolean[] removed = new boolean[1];
        update(s -> removed[0] = s.principals.remove(id) != null);
        return removed[0];
    }

    private void update(java.util.function.Consumer<Stored> change) {
        repository.updateDocument(
                DOCUMENT,
                json -> {
                    Stored s = parse(json);
                    change.accept(s);
                    return GSON.toJson(s);
                });
    }

    /** Returns the ids of the principals in {@code team}. */
    public List<String> members(String team) {
        return read().principals.entrySet().stream()
                .filter(e -> e.getValue().contains(team))
                .map(Map.Entry::getKey)
                .toList();
    }
}
