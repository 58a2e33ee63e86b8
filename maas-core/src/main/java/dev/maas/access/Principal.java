package dev.maas.access;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Who is asking: a user or a service identity, with the teams it belongs to. Ids and team names
 * match {@value #ID_PATTERN} (for example {@code alice}, {@code svc:homepage}, {@code
 * trust-and-safety}). Immutable and thread-safe.
 *
 * @param id the principal's id
 * @param teams the teams it belongs to (copied, sorted)
 */
public record Principal(String id, Set<String> teams) {
    /** The pattern principal ids and team names must match. */
    public static final String ID_PATTERN = "[a-z0-9][a-z0-9._:@-]{0,127}";

    private static final Pattern ID = Pattern.compile(ID_PATTERN);

    /**
     * Validates the id and team names.
     *
     * @throws IllegalArgumentException if one does not match {@value #ID_PATTERN}
     */
    public Principal {
        checkId(id, "principal id");
        teams =
                java.util.Collections.unmodifiableSet(
                        new TreeSet<>(Objects.requireNonNull(teams, "teams")));
        teams.forEach(t -> checkId(t, "team name"));
    }

    /** Returns a principal in the given teams. */
    public static Principal of(String id, String... teams) {
        return new Principal(id, Set.of(teams));
    }

    /** Returns whether the principal belongs to {@code team}. */
    public boolean isIn(String team) {
        return teams.contains(team);
    }

    /**
     * Checks a principal id or team name.
     *
     * @param what what the value is, for the message
     * @throws IllegalArgumentException if it does not match {@value #ID_PATTERN}
     */
    public static String checkId(String value, String what) {
        Objects.requireNonNull(value, what);
        if (!ID.matcher(value).matches()) {
            String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
            throw new IllegalArgumentException(
                    "invalid " + what + " '" + shown + "': expected " + ID_PATTERN);
        }
        return value;
    }
}
