package dev.maas.catalog;

import dev.maas.ModelCard;
import dev.maas.Visibility;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A seeded generator of catalogue entries with varied tasks, tags, owners, engines, licences,
 * visibilities, metrics, publish times and usage, and straightforward reference implementations of
 * what a search should return, written independently of the code under test.
 */
final class CatalogFixtures {
    static final List<String> TASKS =
            List.of(
                    "recommendation",
                    "ranking",
                    "retrieval",
                    "regression",
                    "classification",
                    "embedding",
                    "next-item",
                    "churn",
                    "x-thumbnail-picker");
    static final List<String> TAGS =
            List.of(
                    "movies",
                    "music",
                    "games",
                    "two-tower",
                    "transformer",
                    "gbdt",
                    "cold-start",
                    "realtime",
                    "kids",
                    "sports");
    static final List<String> OWNERS =
            Arrays.asList("team-discovery", "team-music", "team-games", "trust-and-safety", null);
    static final List<String> ENGINES =
            Arrays.asList("PyTorch", "TensorFlow", "OnnxRuntime", "XGBoost", null);
    static final List<String> LICENSES =
            Arrays.asList("Apache-2.0", "MIT", "CC-BY-4.0", "proprietary", null);
    static final List<String> METRICS = List.of("ndcg@10", "rmse", "auc", "recall@20");
    static final List<String> WORDS =
            List.of(
                    "movie",
                    "music",
                    "game",
                    "podcast",
                    "ranker",
                    "tower",
                    "session",
                    "watch",
                    "listen",
                    "play",
                    "home",
                    "search",
                    "similar",
                    "trending",
                    "kids");
    static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private CatalogFixtures() {}

    /** Returns {@code count} entries generated from {@code seed}, all names distinct. */
    static List<CatalogEntry> generate(long seed, int count) {
        Random r = new Random(seed);
        List<CatalogEntry> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(
                    entry(
                            r,
                            String.format(
                                    Locale.ROOT, "%s-%s-%03d", pick(r, WORDS), pick(r, WORDS), i)));
        }
        return out;
    }

    /** Returns one entry named {@code name} with values drawn from {@code r}. */
    static CatalogEntry entry(Random r, String name) {
        ModelCard.Builder b =
                ModelCard.builder(name)
                        .version(1 + r.nextInt(5))
                        .task(pick(r, TASKS))
                        .owner(pick(r, OWNERS))
                        .engine(pick(r, ENGINES))
                        .license(pick(r, LICENSES))
                        .visibility(Visibility.values()[r.nextInt(3)])
                        .description(sentence(r, 3 + r.nextInt(6)));
        if (r.nextInt(3) == 0) {
            b.intendedUse(sentence(r, 4));
        }
        int tags = r.nextInt(5);
        for (int t = 0; t < tags; t++) {
            b.tags(pick(r, TAGS));
        }
        for (String m : METRICS) {
            if (r.nextInt(10) < 6) {
                // Three decimals, so that equality thresholds can hit.
                b.metric(m, r.nextInt(1000) / 1000.0 + (m.equals("rmse") ? 0.5 : 0));
            }
        }
        if (r.nextInt(20) != 0) {
            // Minutes from a small range, so that some publish times tie.
            b.createdAt(EPOCH.plus(Duration.ofMinutes(r.nextInt(500))));
        }
        ModelCard card = b.build();
        Map<String, Integer> aliases = new HashMap<>();
        if (r.nextBoolean()) {
            aliases.put("production", card.version());
        }
        Set<Integer> deprecated = new HashSet<>();
        if (card.version() > 1 && r.nextBoolean()) {
            deprecated.add(1);
        }
        long usage = r.nextInt(4) == 0 ? 0 : r.nextInt(60) * 1000L;
        return new CatalogEntry(
                card, card.version(), aliases, usage, deprecated, r.nextInt(10) == 0);
    }

    private static String sentence(Random r, int words) {
        List<String> w = new ArrayList<>();
        for (int i = 0; i < words; i++) {
            w.add(pick(r, WORDS));
        }
        return String.join(" ", w) + ".";
    }

    static <T> T pick(Random r, List<T> values) {
        return values.get(r.nextInt(values.size()));
    }

    /** The order a search without text uses by default. */
    static final Comparator<CatalogEntry> NEWEST =
            Comparator.comparing(
                            (CatalogEntry e) -> e.latest().createdAt(),
                            Comparator.nullsLast(Comparator.<Instant>reverseOrder()))
                    .thenComparing(CatalogEntry::name);

    static final Comparator<CatalogEntry> MOST_USED =
            Comparator.comparingLong(CatalogEntry::usage)
                    .reversed()
                    .thenComparing(CatalogEntry::name);

    static Comparator<CatalogEntry> best(String metric, boolean higherIsBetter) {
        return (a, b) -> {
            Double x = a.latest().metrics().get(metric);
            Double y = b.latest().metrics().get(metric);
            if (x == null || y == null) {
                if (x == null && y == null) {
                    return a.name().compareTo(b.name());
                }
                return x == null ? 1 : -1;
            }
            int c = higherIsBetter ? Double.compare(y, x) : Double.compare(x, y);
            return c != 0 ? c : a.name().compareTo(b.name());
        };
    }

    /** Archived entries are left out of searches unless asked for. */
    static final Predicate<CatalogEntry> NOT_ARCHIVED = e -> !e.archived();

    /** Returns {@code entries} that pass {@code filter}, in {@code order}. */
    static List<CatalogEntry> expected(
            List<CatalogEntry> entries,
            Predicate<CatalogEntry> filter,
            Comparator<CatalogEntry> order) {
        return entries.stream().filter(filter).sorted(order).collect(Collectors.toList());
    }

    /** Splits text into lower-case runs of letters and digits, the documented tokenization. */
    static List<String> words(String text) {
        if (text == null) {
            return List.of();
        }
        return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{Nd}]+"))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
    }

    /** Returns whether every word of {@code text} starts some word of the searched fields. */
    static boolean textMatches(CatalogEntry e, String text) {
        ModelCard c = e.latest();
        List<String> fields = new ArrayList<>();
        fields.addAll(words(c.name()));
        c.tags().forEach(t -> fields.addAll(words(t)));
        fields.addAll(words(c.task()));
        fields.addAll(words(c.description()));
        fields.addAll(words(c.intendedUse()));
        return words(text).stream().allMatch(q -> fields.stream().anyMatch(f -> f.startsWith(q)));
    }

    /** Returns every page of a search, following the tokens; checks each page's bookkeeping. */
    static List<CatalogEntry> all(
            Catalog catalog,
            List<CatalogEntry> entries,
            CatalogQuery query,
            Predicate<? super CatalogEntry> visible) {
        List<CatalogEntry> out = new ArrayList<>();
        Catalog.Page page = catalog.search(entries, query, visible);
        out.addAll(page.items());
        while (page.nextPageToken() != null) {
            page =
                    catalog.search(
                            entries,
                            query.toBuilder().pageToken(page.nextPageToken()).build(),
                            visible);
            out.addAll(page.items());
        }
        return out;
    }
}
