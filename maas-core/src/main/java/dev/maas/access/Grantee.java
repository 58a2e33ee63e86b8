package dev.maas.access;

import java.util.Objects;

/**
 * Who a grant is for: one principal, or every member of a team. Immutable.
 *
 * @param kind a principal or a team
 * @param name the principal's id or the team's name
 */
public record Grantee(Kind kind, String name) {
    /** Whether a grant names a principal or a team. */
    public enum Kind {
        /** One user or service identity. */
        PRINCIPAL,
        /** Every member of a team. */
        TEAM
    }

    /** Validates the name. */
    public Grantee {
        Objects.requireNonNull(kind, "kind");
        Principal.checkId(name, kind == Kind.TEAM ? "team name" : "principal id");
    }

    /** Returns the grantee for every member of {@code team}. */
    public static Grantee team(String team) {
        return new Grantee(Kind.TEAM, team);
    }

    /** Returns the grantee for the principal {@code id}. */
    public static Grantee principal(String id) {
        return new Grantee(Kind.PRINCIPAL, id);
    }

    /** Returns whether {@code p} is, or is a member of, this grantee. */
    public boolean covers(Principal p) {
        return kind == Kind.TEAM ? p.isIn(name) : p.id().equals(name);
    }

    /** Returns {@code team:name} or {@code principal:id}. */
    @Override
    public String toString() {
        return (kind == Kind.TEAM ? "team:" : "principal:") + name;
    }
}
