package dev.maas.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.maas.ModelCard;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Searches a list of {@link CatalogEntry catalogue entries}: free text, filters, order and pages,
 * as {@link CatalogQuery} describes. Pure: it reads only the entries it is given and does no I/O.
 * Thread-safe.
 *
 * <p><b>Stable pages.</b> The first page of a search computes the whole ordered result and keeps
 * it, as a snapshot, in a bounded in-memory cache (by default {@value #DEFAULT_MAX_SNAPSHOTS}
 * snapshots, each dropped {@link #DEFAULT_SNAPSHOT_TTL 10 minutes} after its last page was read).
 * The page's {@link Page#nextPageToken() token} names the snapshot and the offset of the next page,
 * so later pages come from the snapshot: they neither repeat nor skip models whatever is published,
 * used or deleted meanwhile, and the entries passed with a token are not read. Items are as they
 * were when the first page was computed. A search whose results fit in one page keeps nothing.
 *
 * <p><b>Visibility.</b> Every search takes the caller's {@code visible} predicate: the first page
 * keeps only entries it accepts, and every later page tests each of its items again, with the
 * predicate passed for that page. A token therefore never shows an entry its bearer may not see,
 * even one passed on from another caller or one whose grants were revoked since the first page;
 * such entries are left out of the page, which may then hold fewer items than the page size. A
 * predicate may also leave out models deleted since the first page. The {@link Page#total()} of a
 * later page is the snapshot's, counted when the first page was computed.
 *
 * <p><b>Tokens.</b> A token is opaque and authenticated with a key of this instance: a token that
 * was altered, forged, made by another instance, whose snapshot expired or was evicted, or that is
 * used with a query other than the one that made it, is refused with an {@link
 * IllegalArgumentException} that says to search again.
 */
public final class Catalog {
    /** How many snapshots are kept when not configured. */
    public static final int DEFAULT_MAX_SNAPSHOTS = 1_000;

    /** How long a snapshot is kept after its last read when not configured. */
    public static final Duration DEFAULT_SNAPSHOT_TTL = Duration.ofMinutes(10);

    private static final Logger log = LoggerFactory.getLogger(Catalog.class);

    private static final String TOKEN_PREFIX = "p1";
    private static final int ID_BYTES = 16;
    private static final int MAC_BYTES = 16;
    private static final int MAX_TOKEN_LENGTH = 128;
    private static final String MAC_ALGORITHM = "HmacSHA256";

    // Relevance weights of the searched fields.
    private static final int NAME_WEIGHT = 4;
    private static final int TAGS_WEIGHT = 3;
    private static final int TASK_WEIGHT = 2;
    private static final int TEXT_WEIGHT = 1;

    private final Cache<String, Snapshot> snapshots;
    private final SecureRandom random = new SecureRandom();
    private final SecretKeySpec key;

    /**
     * Creates a catalogue search keeping up to {@value #DEFAULT_MAX_SNAPSHOTS} snapshots for {@link
     * #DEFAULT_SNAPSHOT_TTL}, timed by the system ticker.
     */
    public Catalog() {
        this(DEFAULT_MAX_SNAPSHOTS, DEFAULT_SNAPSHOT_TTL, Ticker.systemTicker());
    }

    /**
     * Creates a catalogue search.
     *
     * @param maxSnapshots the most snapshots kept for later pages; the least recently used go
     *     first, and their tokens are refused
     * @param snapshotTtl how long a snapshot is kept after its last page was read
     * @param ticker the time source of expiry ({@link Ticker#systemTicker()}, or a fake in tests)
     * @throws IllegalArgumentException if {@code maxSnapshots} is below 1 or {@code snapshotTtl}
     *     not positive
     * @throws NullPointerException if {@code snapshotTtl} or {@code ticker} is {@code null}
     */
    public Catalog(int maxSnapshots, Duration snapshotTtl, Ticker ticker) {
        if (maxSnapshots < 1) {
            throw new IllegalArgumentException(
                    "maxSnapshots must be at least 1, was " + maxSnapshots);
        }
        Objects.requireNonNull(snapshotTtl, "snapshotTtl");
        Objects.requireNonNull(ticker, "ticker");
        if (snapshotTtl.isNegative() || snapshotTtl.isZero()) {
            throw new IllegalArgumentException("snapshotTtl must be positive, was " + snapshotTtl);
        }
        this.snapshots =
                Caffeine.newBuilder()
                        .maximumSize(maxSnapshots)
                        .expireAfterAccess(snapshotTtl)
                        .ticker(ticker)
                        // Housekeeping on the calling thread: nothing here is slow, and no pool
                        // of the host application is borrowed.
                        .executor(Runnable::run)
                        .build();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        this.key = new SecretKeySpec(secret, MAC_ALGORITHM);
    }

    /**
     * One page of search results.
     *
     * @param items the models of this page, in the query's order (copied)
     * @param nextPageToken the token of the next page, or {@code null} when this is the last
     * @param total how many models the search found, counted when its first page was computed
     */
    public record Page(List<CatalogEntry> items, String nextPageToken, int total) {
        /**
         * Copies the items.
         *
         * @throws IllegalArgumentException if {@code total} is negative
         * @throws NullPointerException if {@code items} or one of them is {@code null}
         */
        public Page {
            items = List.copyOf(items);
            if (total < 0) {
                throw new IllegalArgumentException("total must be at least 0, was " + total);
            }
        }
    }

    /**
     * Returns one page of the models of {@code entries} that match {@code query} and that {@code
     * visible} accepts: the first page when the query has no page token, else the page the token
     * names (see the class description).
     *
     * @param entries the catalogue, one entry per model; read once, so a list that other threads
     *     change must be safe to copy while they do (such as a {@link
     *     java.util.concurrent.CopyOnWriteArrayList}); not read for a later page
     * @param query what to search for and which page
     * @param visible whether the caller may see an entry; tested on every entry of the first page's
     *     search and on every item of each later page
     * @throws IllegalArgumentException if the page token is malformed, forged, unknown, expired or
     *     made by another query, saying to search again; or if two entries name the same model
     * @throws NullPointerException if an argument or entry is {@code null}
     */
    public Page search(
            List<CatalogEntry> entries,
            CatalogQuery query,
            Predicate<? super CatalogEntry> visible) {
        Objects.requireNonNull(entries, "entries");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(visible, "visible");
        return query.pageToken() == null
                ? firstPage(List.copyOf(entries), query, visible)
                : laterPage(query, visible);
    }

    private Page firstPage(
            List<CatalogEntry> entries,
            CatalogQuery query,
            Predicate<? super CatalogEntry> visible) {
        Set<String> names = new HashSet<>();
        List<Scored> found = new ArrayList<>();
        for (CatalogEntry e : entries) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException(
                        "entries hold model '" + e.name() + "' twice: expected one per model");
            }
            if (!query.passesFilters(e)) {
                continue;
            }
            int score = relevance(e.latest(), query.terms());
            // The caller's predicate may be the costliest test, so it comes last.
            if (score >= 0 && visible.test(e)) {
                found.add(new Scored(e, score));
            }
        }
        found.sort(order(query.sort()));
        List<CatalogEntry> results = new ArrayList<>(found.size());
        for (Scored s : found) {
            results.add(s.entry);
        }
        int total = results.size();
        if (total <= query.pageSize()) {
            log.trace("search {} found {} models, one page", query, total);
            return new Page(results, null, total);
        }
        String id = newId();
        snapshots.put(id, new Snapshot(query.criteria(), List.copyOf(results)));
        log.trace("search {} found {} models, kept snapshot for later pages", query, total);
        return new Page(results.subList(0, query.pageSize()), token(id, query.pageSize()), total);
    }

    private Page laterPage(CatalogQuery query, Predicate<? super CatalogEntry> visible) {
        Cursor cursor = parse(query.pageToken());
        Snapshot snapshot = snapshots.getIfPresent(cursor.snapshotId);
        if (snapshot == null) {
            throw new IllegalArgumentException(
                    "page token has expired or is unknown: search again without a page token");
        }
        if (!snapshot.criteria.equals(query.criteria())) {
            throw new IllegalArgumentException(
                    "page token belongs to another query: repeat the query that returned it, or"
                            + " search again without a page token");
        }
        int size = snapshot.results.size();
        if (cursor.offset >= size) {
            throw invalidToken();
        }
        int end = Math.min(size, cursor.offset + query.pageSize());
        List<CatalogEntry> items = new ArrayList<>(end - cursor.offset);
        for (CatalogEntry e : snapshot.results.subList(cursor.offset, end)) {
            if (visible.test(e)) {
                items.add(e);
            }
        }
        log.trace("page at {} of {} models for {}", cursor.offset, size, query);
        return new Page(items, end < size ? token(cursor.snapshotId, end) : null, size);
    }

    /**
     * Returns the relevance of {@code card} to {@code terms}: for each term, the sum of the weights
     * of the fields with a token that starts with it; or {@code -1} if a term matches no field.
     * Without terms every card scores 0.
     */
    static int relevance(ModelCard card, List<String> terms) {
        if (terms.isEmpty()) {
            return 0;
        }
        List<String> name = Tokens.of(card.name());
        List<String> tags = Tokens.of(card.tags());
        List<String> task = Tokens.of(card.task());
        List<String> description = Tokens.of(card.description());
        List<String> intendedUse = Tokens.of(card.intendedUse());
        int score = 0;
        for (String term : terms) {
            int s = 0;
            s += Tokens.anyStartsWith(name, term) ? NAME_WEIGHT : 0;
            s += Tokens.anyStartsWith(tags, term) ? TAGS_WEIGHT : 0;
            s += Tokens.anyStartsWith(task, term) ? TASK_WEIGHT : 0;
            s += Tokens.anyStartsWith(description, term) ? TEXT_WEIGHT : 0;
            s += Tokens.anyStartsWith(intendedUse, term) ? TEXT_WEIGHT : 0;
            if (s == 0) {
                return -1;
            }
            score += s;
        }
        return score;
    }

    private static Comparator<Scored> order(CatalogQuery.Sort sort) {
        Comparator<Scored> byName = Comparator.comparing(s -> s.entry.name());
        Comparator<Scored> first;
        if (sort.isRelevance()) {
            first = Comparator.comparingInt((Scored s) -> s.score).reversed();
        } else if (sort.isNewest()) {
            first =
                    Comparator.comparing(
                            (Scored s) -> s.entry.latest().createdAt(),
                            Comparator.nullsLast(Comparator.<Instant>reverseOrder()));
        } else if (sort.isMostUsed()) {
            first = Comparator.comparingLong((Scored s) -> s.entry.usage()).reversed();
        } else {
            String metric = sort.metric();
            Comparator<Double> values =
                    sort.higherIsBetter()
                            ? Comparator.<Double>reverseOrder()
                            : Comparator.<Double>naturalOrder();
            first =
                    Comparator.comparing(
                            (Scored s) -> s.entry.latest().metrics().get(metric),
                            Comparator.nullsLast(values));
        }
        return first.thenComparing(byName);
    }

    private String newId() {
        byte[] id = new byte[ID_BYTES];
        random.nextBytes(id);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }

    private String token(String snapshotId, int offset) {
        String body = TOKEN_PREFIX + "." + snapshotId + "." + offset;
        return body + "." + mac(body);
    }

    private Cursor parse(String token) {
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw invalidToken();
        }
        int lastDot = token.lastIndexOf('.');
        if (lastDot < 0) {
            throw invalidToken();
        }
        String body = token.substring(0, lastDot);
        byte[] given = token.substring(lastDot + 1).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(given, mac(body).getBytes(StandardCharsets.US_ASCII))) {
            throw invalidToken();
        }
        // Authentic, hence made by token(): prefix, snapshot id and offset.
        String[] parts = body.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals(TOKEN_PREFIX)) {
            throw invalidToken();
        }
        return new Cursor(parts[1], Integer.parseInt(parts[2]));
    }

    private String mac(String body) {
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(key);
            byte[] full = mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(Arrays.copyOf(full, MAC_BYTES));
        } catch (GeneralSecurityException e) {
            // Every Java platform must provide HmacSHA256.
            throw new IllegalStateException(MAC_ALGORITHM + " is not available", e);
        }
    }

    private static IllegalArgumentException invalidToken() {
        return new IllegalArgumentException(
                "invalid page token: search again without a page token");
    }

    private record Scored(CatalogEntry entry, int score) {}

    private record Snapshot(CatalogQuery.Criteria criteria, List<CatalogEntry> results) {}

    private record Cursor(String snapshotId, int offset) {}
}
