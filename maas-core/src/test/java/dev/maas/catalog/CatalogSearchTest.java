package dev.maas.catalog;

import static dev.maas.catalog.CatalogFixtures.NEWEST;
import static dev.maas.catalog.CatalogFixtures.NOT_ARCHIVED;
import static dev.maas.catalog.CatalogFixtures.all;
import static dev.maas.catalog.CatalogFixtures.expected;
import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.Visibility;
import dev.maas.catalog.CatalogQuery.Sort;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CatalogSearchTest {
    static final List<CatalogEntry> ENTRIES = CatalogFixtures.generate(20261201L, 240);

    final Catalog catalog = new Catalog();

    private static Predicate<CatalogEntry> metric(String name, Predicate<Double> test) {
        return e -> {
            Double v = e.latest().metrics().get(name);
            return v != null && test.test(v);
        };
    }

    private static Predicate<CatalogEntry> card(Predicate<ModelCard> p) {
        return e -> p.test(e.latest());
    }

    static Stream<Arguments> filters() {
        return Stream.of(
                Arguments.of(
                        "task",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.task("ranking"),
                        card(c -> c.task().equals("ranking"))),
                Arguments.of(
                        "task, custom, other case",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.task("X-Thumbnail-Picker"),
                        card(c -> c.task().equals("x-thumbnail-picker"))),
                Arguments.of(
                        "one tag",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.tag("two-tower"),
                        card(c -> c.tags().contains("two-tower"))),
                Arguments.of(
                        "two tags, both required",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.tag("movies").tag("kids"),
                        card(c -> c.tags().contains("movies") && c.tags().contains("kids"))),
                Arguments.of(
                        "owner",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.owner("team-music"),
                        card(c -> "team-music".equals(c.owner()))),
                Arguments.of(
                        "engine, ignoring case",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.engine("pytorch"),
                        card(c -> "PyTorch".equals(c.engine()))),
                Arguments.of(
                        "license",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.license("apache-2.0"),
                        card(c -> "Apache-2.0".equals(c.license()))),
                Arguments.of(
                        "visibility",
                        (UnaryOperator<CatalogQuery.Builder>)
                                q -> q.visibility(Visibility.RESTRICTED),
                        card(c -> c.visibility() == Visibility.RESTRICTED)),
                Arguments.of(
                        "metric >=",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.metric("ndcg@10>=0.3"),
                        metric("ndcg@10", v -> v >= 0.3)),
                Arguments.of(
                        "metric >",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.metric("auc>0.5"),
                        metric("auc", v -> v > 0.5)),
                Arguments.of(
                        "metric <=",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.metric("rmse <= 0.9"),
                        metric("rmse", v -> v <= 0.9)),
                Arguments.of(
                        "metric <",
                        (UnaryOperator<CatalogQuery.Builder>) q -> q.metric("rmse<0.9"),
                        metric("rmse", v -> v < 0.9)),
                Arguments.of(
                        "metric =",
                        (UnaryOperator<CatalogQuery.Builder>)
                                q -> q.metric("recall@20=" + someValue("recall@20")),
                        metric("recall@20", v -> v == someValue("recall@20"))),
                Arguments.of(
                        "two thresholds on one metric",
                        (UnaryOperator<CatalogQuery.Builder>)
                                q -> q.metric("auc>=0.2").metric("auc<0.6"),
                        metric("auc", v -> v >= 0.2 && v < 0.6)),
                Arguments.of(
                        "text",
                        (UnaryOperator<CatalogQuery.Builder>)
                                q -> q.text("movie").sort(Sort.NEWEST),
                        (Predicate<CatalogEntry>) e -> CatalogFixtures.textMatches(e, "movie")),
                Arguments.of(
                        "text, two words as prefixes",
                        (UnaryOperator<CatalogQuery.Builder>)
                                q -> q.text("Mus rank").sort(Sort.NEWEST),
                        (Predicate<CatalogEntry>) e -> CatalogFixtures.textMatches(e, "mus rank")),
                Arguments.of(
                        "combined: tag, engine, metric",
                        (UnaryOperator<CatalogQuery.Builder>)
                                q -> q.tag("movies").engine("PyTorch").metric("ndcg@10>=0.1"),
                        card(
                                c ->
                                        c.tags().contains("movies")
                                                && "PyTorch".equals(c.engine())
                                                && c.metrics().getOrDefault("ndcg@10", -1.0)
                                                        >= 0.1)),
                Arguments.of(
                        "combined: task, metric",
                        (UnaryOperator<CatalogQuery.Builder>)
                                q -> q.task("recommendation").metric("ndcg@10>=0.1"),
                        card(
                                c ->
                                        c.task().equals("recommendation")
                                                && c.metrics().getOrDefault("ndcg@10", -1.0)
                                                        >= 0.1)),
                Arguments.of(
                        "combined: owner, visibility, text",
                        (UnaryOperator<CatalogQuery.Builder>)
                                q ->
                                        q.owner("team-discovery")
                                                .visibility(Visibility.PUBLIC)
                                                .text("home")
                                                .sort(Sort.NEWEST),
                        card(c ->
                                        "team-discovery".equals(c.owner())
                                                && c.visibility() == Visibility.PUBLIC)
                                .and(e -> CatalogFixtures.textMatches(e, "home"))));
    }

    /** A value of {@code metric} that some generated card has. */
    static double someValue(String metric) {
        return ENTRIES.stream()
                .map(e -> e.latest().metrics().get(metric))
                .filter(Objects::nonNull)
                .findFirst()
                .orElseThrow();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filters")
    void filter_returnsExactlyTheMatchingEntries_newestFirst(
            String label, UnaryOperator<CatalogQuery.Builder> query, Predicate<CatalogEntry> want) {
        List<CatalogEntry> expected = expected(ENTRIES, NOT_ARCHIVED.and(want), NEWEST);
        CatalogQuery q = query.apply(CatalogQuery.builder().pageSize(25)).build();

        List<CatalogEntry> got = all(catalog, ENTRIES, q, e -> true);

        assertThat(expected).as("a filter worth testing").isNotEmpty().hasSizeLessThan(200);
        assertThat(got).containsExactlyElementsOf(expected);
        assertThat(catalog.search(ENTRIES, q, e -> true).total()).isEqualTo(expected.size());
    }

    @Test
    void generatedCatalogue_isVariedEnough() {
        assertThat(ENTRIES).hasSizeGreaterThanOrEqualTo(200);
        assertThat(ENTRIES.stream().map(e -> e.latest().task()).distinct()).hasSizeGreaterThan(5);
        assertThat(ENTRIES.stream().map(e -> e.latest().visibility()).distinct()).hasSize(3);
        assertThat(ENTRIES.stream().filter(CatalogEntry::archived)).isNotEmpty();
        assertThat(ENTRIES.stream().filter(e -> e.latest().createdAt() == null)).isNotEmpty();
        assertThat(ENTRIES.stream().map(e -> e.latest().createdAt()).distinct().count())
                .as("publish times that tie, so that ties by name are exercised")
                .isLessThan(ENTRIES.size());
    }

    @Test
    void noQuery_returnsEveryUnarchivedEntry_newestFirst() {
        List<CatalogEntry> got = all(catalog, ENTRIES, CatalogQuery.builder().build(), e -> true);
        assertThat(got).containsExactlyElementsOf(expected(ENTRIES, NOT_ARCHIVED, NEWEST));
    }

    @Test
    void includeArchived_returnsArchivedToo() {
        CatalogQuery q = CatalogQuery.builder().includeArchived(true).pageSize(200).build();
        List<CatalogEntry> got = all(catalog, ENTRIES, q, e -> true);
        assertThat(got).containsExactlyElementsOf(expected(ENTRIES, e -> true, NEWEST));
    }

    @Test
    void visiblePredicate_hidesWhatTheCallerMayNotSee() {
        Predicate<CatalogEntry> visible = e -> e.latest().visibility() != Visibility.PRIVATE;
        List<CatalogEntry> got = all(catalog, ENTRIES, CatalogQuery.builder().build(), visible);
        assertThat(got)
                .containsExactlyElementsOf(expected(ENTRIES, NOT_ARCHIVED.and(visible), NEWEST));
    }

    static Stream<Arguments> sorts() {
        return Stream.of(
                Arguments.of(Sort.NEWEST, NEWEST),
                Arguments.of(Sort.MOST_USED, CatalogFixtures.MOST_USED),
                Arguments.of(Sort.best("ndcg@10", true), CatalogFixtures.best("ndcg@10", true)),
                Arguments.of(Sort.best("rmse", false), CatalogFixtures.best("rmse", false)),
                Arguments.of(
                        Sort.RELEVANCE,
                        // Without text every entry is as relevant as any other: by name.
                        Comparator.comparing(CatalogEntry::name)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sorts")
    void sort_ordersEveryEntry_tiesByName(Sort sort, Comparator<CatalogEntry> order) {
        CatalogQuery q = CatalogQuery.builder().sort(sort).pageSize(9).build();
        List<CatalogEntry> got = all(catalog, ENTRIES, q, e -> true);
        assertThat(got).containsExactlyElementsOf(expected(ENTRIES, NOT_ARCHIVED, order));
    }

    @Test
    void sortBest_putsEntriesWithoutTheMetricLast() {
        CatalogQuery q = CatalogQuery.builder().sort(Sort.best("auc", true)).pageSize(200).build();
        List<CatalogEntry> got = all(catalog, ENTRIES, q, e -> true);
        int firstWithout = 0;
        while (got.get(firstWithout).latest().metrics().containsKey("auc")) {
            firstWithout++;
        }
        assertThat(got.subList(firstWithout, got.size()))
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e.latest().metrics()).doesNotContainKey("auc"));
    }

    @Test
    void defaultSort_isRelevanceWithText_newestWithout() {
        assertThat(CatalogQuery.builder().text("movie").build().sort()).isEqualTo(Sort.RELEVANCE);
        assertThat(CatalogQuery.builder().build().sort()).isEqualTo(Sort.NEWEST);
        assertThat(CatalogQuery.builder().text("  ").build().sort()).isEqualTo(Sort.NEWEST);
        assertThat(CatalogQuery.builder().text("%_").build().sort()).isEqualTo(Sort.NEWEST);
    }

    // Hand-made cases for relevance: names, tags, task, description and intended use weigh 4, 3,
    // 2, 1 and 1.

    private static CatalogEntry made(String name, String task, String description, String... tags) {
        return CatalogEntry.of(
                ModelCard.builder(name)
                        .version(1)
                        .task(task)
                        .description(description)
                        .tags(tags)
                        .createdAt(Instant.parse("2026-06-01T00:00:00Z"))
                        .build());
    }

    private List<String> names(List<CatalogEntry> entries, String text) {
        return catalog
                .search(entries, CatalogQuery.builder().text(text).build(), e -> true)
                .items()
                .stream()
                .map(CatalogEntry::name)
                .toList();
    }

    @Test
    void relevance_nameOutweighsTagsOutweighsTaskOutweighsDescription() {
        List<CatalogEntry> entries =
                List.of(
                        made("in-description", "ranking", "Good for movies."),
                        made("in-task", "x-movies", "Nothing."),
                        made("in-tags", "ranking", "Nothing.", "movies"),
                        made("movies-in-name", "ranking", "Nothing."),
                        made("unrelated", "ranking", "Music only."));
        assertThat(names(entries, "movies"))
                .containsExactly("movies-in-name", "in-tags", "in-task", "in-description");
    }

    @Test
    void relevance_addsUpOverFieldsAndTerms_tiesByName() {
        List<CatalogEntry> entries =
                List.of(
                        // movie: name 4 + tags 3 + description 1; ranker: name 4 -> 12
                        made("movie-ranker", "ranking", "A movie model.", "movies"),
                        // movie: name 4; ranker: name 4 -> 8
                        made("b-movie-ranker", "ranking", "Nothing."),
                        made("a-movie-ranker", "ranking", "Nothing."),
                        // movie: tags 3; ranker: description 1 -> 4
                        made("plain", "ranking", "The ranker.", "movie"),
                        // ranker only: left out, every term must match
                        made("ranker", "ranking", "Nothing."));
        assertThat(names(entries, "movie ranker"))
                .containsExactly("movie-ranker", "a-movie-ranker", "b-movie-ranker", "plain");
        assertThat(Catalog.relevance(entries.get(0).latest(), List.of("movie", "ranker")))
                .isEqualTo(12);
    }

    @Test
    void text_matchesTokensAndTheirPrefixes_notInsideWords() {
        List<CatalogEntry> entries =
                List.of(
                        made("tower-model", "ranking", "Nothing."),
                        made("two-tower", "ranking", "Nothing."),
                        made("watchtower", "ranking", "Nothing."));
        assertThat(names(entries, "tow")).containsExactly("tower-model", "two-tower");
        assertThat(names(entries, "TOWER")).containsExactly("tower-model", "two-tower");
        assertThat(names(entries, "watchtower")).containsExactly("watchtower");
    }

    @Test
    void text_matchesIntendedUse() {
        CatalogEntry e =
                CatalogEntry.of(
                        ModelCard.builder("m")
                                .version(1)
                                .intendedUse("Autoplay of the next episode")
                                .build());
        assertThat(names(List.of(e), "episode")).containsExactly("m");
        assertThat(names(List.of(e), "autoplay next")).containsExactly("m");
    }

    @Test
    void text_tokenizesUnicodeLettersAndDigits() {
        CatalogEntry e =
                CatalogEntry.of(
                        ModelCard.builder("m")
                                .version(1)
                                .description("Empfehlungen für Straßenmusik, Ümlaut-Test 2024")
                                .build());
        assertThat(names(List.of(e), "FÜR")).containsExactly("m");
        assertThat(names(List.of(e), "straßen ümlaut 202")).containsExactly("m");
    }

    // Text that looks like SQL or a pattern is plain text: the results are what its tokens give.

    @Test
    void text_sqlLooking_isPlainText() {
        List<CatalogEntry> entries =
                List.of(
                        made("sql-note", "ranking", "How to drop a table of models."),
                        made("movie-ranker", "ranking", "Nothing."));
        // Tokens: drop, table, models.
        assertThat(names(entries, "'; DROP TABLE models; --")).containsExactly("sql-note");
        assertThat(names(entries, "1' OR '1'='1")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {".*(", "\\", "%_", "*", "(?", "$", "^", "\\\\", "'", "--", "\0"})
    void text_withoutLettersOrDigits_matchesEverything(String text) {
        CatalogQuery q = CatalogQuery.builder().text(text).pageSize(200).build();
        assertThat(q.terms()).isEmpty();
        assertThat(all(catalog, ENTRIES, q, e -> true))
                .containsExactlyElementsOf(expected(ENTRIES, NOT_ARCHIVED, NEWEST));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "[a-z]+",
                "movie.*",
                "(movie|music)",
                "mov%",
                "a{2,}",
                "\\bkids\\b",
                "(?i)movie",
                "\\Qmovie\\E"
            })
    void text_withPatternCharacters_matchesItsTokens(String text) {
        CatalogQuery q = CatalogQuery.builder().text(text).sort(Sort.NEWEST).pageSize(200).build();
        List<CatalogEntry> expected =
                expected(
                        ENTRIES,
                        NOT_ARCHIVED.and(e -> CatalogFixtures.textMatches(e, text)),
                        NEWEST);
        assertThat(all(catalog, ENTRIES, q, e -> true)).containsExactlyElementsOf(expected);
    }

    @Test
    void text_patternCharacters_tokenizeAsDocumented() {
        assertThat(CatalogQuery.builder().text("[a-z]+").build().terms()).containsExactly("a", "z");
        assertThat(CatalogQuery.builder().text("(movie|music)").build().terms())
                .containsExactly("movie", "music");
        assertThat(CatalogQuery.builder().text("'; DROP TABLE models; --").build().terms())
                .containsExactly("drop", "table", "models");
    }

    @Test
    void emptyCatalogue_givesAnEmptyLastPage() {
        Catalog.Page page = catalog.search(List.of(), CatalogQuery.builder().build(), e -> true);
        assertThat(page.items()).isEmpty();
        assertThat(page.nextPageToken()).isNull();
        assertThat(page.total()).isZero();
    }
}
