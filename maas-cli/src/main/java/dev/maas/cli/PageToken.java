package dev.maas.cli;

import dev.maas.catalog.CatalogQuery;
import dev.maas.catalog.MetricThreshold;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The page token {@code maas search} prints: where the next page starts and a fingerprint of the
 * search it belongs to, such as {@code 20.3fa9c1d2e4b5}.
 *
 * <p>The catalogue's own tokens name a snapshot kept in the memory of the process that made them,
 * so they cannot outlive one command. Each {@code maas search} therefore searches again and skips
 * to the offset: a model published or archived in between can shift a page by one.
 *
 * @param offset how many results come before the page
 * @param fingerprint the fingerprint of the search's criteria
 */
record PageToken(int offset, String fingerprint) {
    private static final Pattern FORM = Pattern.compile("([1-9][0-9]{0,8})\\.([0-9a-f]{12})");

    /**
     * Reads a token that a previous search printed.
     *
     * @throws CliException if it is not one
     */
    static PageToken parse(String token) {
        Matcher m = FORM.matcher(token);
        if (!m.matches()) {
            String shown = token.length() > 40 ? token.substring(0, 40) + "..." : token;
            throw new CliException(
                    "invalid page token '"
                            + shown
                            + "': pass the token a previous 'maas search' printed, or search"
                            + " again without --page");
        }
        return new PageToken(Integer.parseInt(m.group(1)), m.group(2));
    }

    /**
     * Checks that this token was made by a search with the same criteria.
     *
     * @throws CliException if not
     */
    void checkFor(CatalogQuery query) {
        if (!fingerprint.equals(fingerprint(query))) {
            throw new CliException(
                    "page token belongs to another search: repeat the search that printed it, or"
                            + " search again without --page");
        }
    }

    /** Returns the fingerprint of what decides a query's results (not its page size). */
    static String fingerprint(CatalogQuery q) {
        List<String> parts = new ArrayList<>();
        parts.add(String.join(" ", q.terms()));
        parts.add(String.valueOf(q.task()));
        parts.add(String.join(",", q.tags()));
        parts.add(String.valueOf(q.owner()));
        parts.add(String.valueOf(q.engine()));
        parts.add(String.valueOf(q.license()));
        parts.add(String.valueOf(q.visibility()));
        parts.add(String.join(",", q.metrics().stream().map(MetricThreshold::toString).toList()));
        parts.add(String.valueOf(q.includeArchived()));
        parts.add(q.sort().toString());
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Returns the token as printed. */
    @Override
    public String toString() {
        return offset + "." + fingerprint;
    }
}
