package dev.maas.cli;

import dev.maas.Visibility;
import dev.maas.access.AccessRequest;
import dev.maas.access.Grant;
import dev.maas.access.Permission;
import dev.maas.audit.AuditEntry;
import dev.maas.audit.AuditEvent;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Text helpers of the marketplace commands' output. */
final class MarketFormat {
    private MarketFormat() {}

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9@%+=:,./_-]+");

    /** Returns the time to the second, such as {@code 2025-03-01T10:15:30Z}, or {@code -}. */
    static String time(Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Returns {@code public}, {@code restricted} or {@code private}. */
    static String visibility(Visibility v) {
        return v.name().toLowerCase(Locale.ROOT);
    }

    /** Returns the permission in lower case, or {@code none}. */
    static String permission(Permission p) {
        return p == null ? "none" : p.name().toLowerCase(Locale.ROOT);
    }

    /** Returns what a permission allows, for people. */
    static String allows(Permission p) {
        return switch (p) {
            case READ -> "see it";
            case USE -> "see and call it";
            case PUBLISH -> "call it and publish versions";
            case ADMIN -> "publish, share, archive and decide access requests";
        };
    }

    /** Returns a grant as {@code team:search use (2 in flight), by alice at <time>}. */
    static String grant(Grant g) {
        return g.grantee()
                + " "
                + permission(g.permission())
                + (g.quota().isLimited() ? " (" + g.quota() + ")" : "")
                + ", by "
                + g.grantedBy()
                + " at "
                + time(g.grantedAt());
    }

    /** Returns a request's state: {@code pending}, or {@code approved by alice at <time>: note}. */
    static String state(AccessRequest r) {
        String s = r.state().name().toLowerCase(Locale.ROOT);
        if (r.state() == AccessRequest.State.PENDING) {
            return s;
        }
        return s
                + " by "
                + r.decidedBy()
                + " at "
                + time(r.decidedAt())
                + (r.note() == null || r.note().isBlank() ? "" : ": " + oneLine(r.note()));
    }

    /**
     * Returns an audit entry on one line: number, time, principal, action, model (and version), the
     * change and the details.
     */
    static String audit(AuditEntry e) {
        AuditEvent ev = e.event();
        String target =
                ev.model() == null
                        ? "-"
                        : ev.model() + (ev.version() == null ? "" : ":" + ev.version());
        StringBuilder sb =
                new StringBuilder(
                        String.format(
                                Locale.ROOT,
                                "%4d  %s  %-12s %-15s %-24s",
                                e.sequence(),
                                time(e.time()),
                                ev.principal(),
                                ev.action().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                                target));
        if (ev.before() != null || ev.after() != null) {
            sb.append("  ")
                    .append(ev.before() == null ? "-" : oneLine(ev.before()))
                    .append(" -> ")
                    .append(ev.after() == null ? "-" : oneLine(ev.after()));
        }
        if (!ev.details().isEmpty()) {
            sb.append("  ").append(details(ev.details()));
        }
        return sb.toString().stripTrailing();
    }

    private static String details(Map<String, String> details) {
        return details.entrySet().stream()
                .map(d -> d.getKey() + "=" + quoted(oneLine(d.getValue())))
                .collect(Collectors.joining(" "));
    }

    /** Returns {@code s} on one line: line breaks become spaces. */
    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static String quoted(String s) {
        return !s.isEmpty() && s.chars().noneMatch(Character::isWhitespace)
                ? s
                : "\"" + s.replace("\"", "\\\"") + "\"";
    }

    /** Quotes an argument for a POSIX shell, so a printed command can be pasted back. */
    static String shell(String arg) {
        if (PLAIN.matcher(arg).matches()) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }
}
