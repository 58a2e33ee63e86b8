package dev.maas.catalog;

import static dev.maas.catalog.CatalogFixtures.NEWEST;
import static dev.maas.catalog.CatalogFixtures.NOT_ARCHIVED;
import static dev.maas.catalog.CatalogFixtures.expected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import dev.maas.Visibility;
import dev.maas.catalog.CatalogQuery.Sort;
import dev.maas.testing.FakeTicker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CatalogPaginationTest {
    static final List<CatalogEntry> ENTRIES = CatalogFixtures.generate(7L, 230);

    final FakeTicker ticker = new FakeTicker();
    final Catalog catalog = new Catalog(1_000, Duration.ofMinutes(10), ticker);
    final ExecutorService writer = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopWriter() throws InterruptedException {
        writer.shutdownNow();
        assertThat(writer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    static Stream<Arguments> queries() {
        return Stream.of(
                Arguments.of(CatalogQuery.builder().pageSize(7).build(), NEWEST),
                Arguments.of(
                        CatalogQuery.builder().sort(Sort.MOST_USED).pageSize(7).build(),
                        CatalogFixtures.MOST_USED),
                Arguments.of(
                        CatalogQuery.builder().sort(Sort.best("ndcg@10", true)).pageSize(7).build(),
                        CatalogFixtures.best("ndcg@10", true)),
                Arguments.of(
                        CatalogQuery.builder().text("music").sort(Sort.NEWEST).pageSize(7).build(),
                        NEWEST));
    }

    /**
     * Pages through a search while another thread publishes newer and busier models, deletes models
     * and records usage, passing the changed list to every later call: the pages together are
     * exactly the first page's results, in order, none twice.
     */
    @ParameterizedTest
    @MethodSource("queries")
    void pages_underConcurrentChanges_neitherRepeatNorSkip(
            CatalogQuery query, Comparator<CatalogEntry> order) throws Exception {
        CopyOnWriteArrayList<CatalogEntry> live = new CopyOnWriteArrayList<>(ENTRIES);
        Predicate<CatalogEntry> matches =
                query.terms().isEmpty()
                        ? NOT_ARCHIVED
                        : NOT_ARCHIVED.and(e -> CatalogFixtures.textMatches(e, "music"));
        List<CatalogEntry> expected = expected(List.copyOf(live), matches, order);

        Semaphore burstWanted = new Semaphore(0);
        Semaphore burstStarted = new Semaphore(0);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger published = new AtomicInteger();
        Future<?> changes =
                writer.submit(
                        () -> {
                            Random r = new Random(99);
                            while (true) {
                                burstWanted.acquire();
                                if (done.get()) {
                                    return null;
                                }
                                live.add(newer(r, published.getAndIncrement()));
                                burstStarted.release();
                                // The rest races with the reader's next search.
                                for (int i = 0; i < 3; i++) {
                                    live.add(newer(r, published.getAndIncrement()));
                                }
                                live.remove(r.nextInt(live.size()));
                                int used = r.nextInt(live.size());
                                CatalogEntry e = live.get(used);
                                live.set(
                                        used,
                                        new CatalogEntry(
                                                e.latest(),
                                                e.versions(),
                                                e.aliases(),
                                                e.usage() + 1_000_000,
                                                e.deprecatedVersions(),
                                                e.archived()));
                            }
                        });

        List<CatalogEntry> seen = new ArrayList<>();
        Catalog.Page page = catalog.search(live, query, e -> true);
        int pages = 1;
        seen.addAll(page.items());
        assertThat(page.items()).hasSize(7);
        while (page.nextPageToken() != null) {
            burstWanted.release();
            burstStarted.acquire();
            page =
                    catalog.search(
                            live,
                            query.toBuilder().pageToken(page.nextPageToken()).build(),
                            e -> true);
            pages++;
            assertThat(page.total()).isEqualTo(expected.size());
            assertThat(page.items().size()).isBetween(1, 7);
            seen.addAll(page.items());
        }
        done.set(true);
        burstWanted.release();
        changes.get(5, TimeUnit.SECONDS);

        assertThat(published.get()).as("the list changed between pages").isGreaterThan(0);
        assertThat(pages).isEqualTo((expected.size() + 6) / 7);
        assertThat(seen).doesNotHaveDuplicates().containsExactlyElementsOf(expected);
        // A search started now sees the changes: the pages above did not by design.
        List<CatalogEntry> now =
                CatalogFixtures.all(
                        catalog, live, query.toBuilder().pageSize(200).build(), e -> true);
        assertThat(now).isNotEqualTo(expected);
    }

    /** A model published after the generated ones, busier than any and matching "music". */
    private static CatalogEntry newer(Random r, int i) {
        ModelCard card =
                ModelCard.builder("new-music-" + i)
                        .version(1)
                        .task("ranking")
                        .description("A music model.")
                        .metric("ndcg@10", 0.999)
                        .createdAt(Instant.parse("2027-01-01T00:00:00Z").plusSeconds(i))
                        .visibility(Visibility.values()[r.nextInt(3)])
                        .build();
        return new CatalogEntry(card, 1, Map.of(), 10_000_000L + i, Set.of(), false);
    }

    @Test
    void lastPage_hasNoToken_andResultsThatFitOnePageKeepNoSnapshot() {
        CatalogQuery q = CatalogQuery.builder().pageSize(200).includeArchived(true).build();
        Catalog.Page first = catalog.search(ENTRIES, q, e -> true);
        Catalog.Page last =
                catalog.search(
                        ENTRIES, q.toBuilder().pageToken(first.nextPageToken()).build(), e -> true);
        assertThat(first.items()).hasSize(200);
        assertThat(last.items()).hasSize(30);
        assertThat(last.nextPageToken()).isNull();

        Catalog.Page single =
                catalog.search(ENTRIES.subList(0, 5), CatalogQuery.builder().build(), e -> true);
        assertThat(single.nextPageToken()).isNull();
        assertThat(single.total()).isEqualTo(single.items().size());
    }

    @Test
    void laterPage_mayChangePageSize() {
        CatalogQuery q = CatalogQuery.builder().pageSize(10).build();
        Catalog.Page first = catalog.search(ENTRIES, q, e -> true);
        Catalog.Page second =
                catalog.search(
                        ENTRIES,
                        q.toBuilder().pageSize(3).pageToken(first.nextPageToken()).build(),
                        e -> true);
        List<CatalogEntry> expected = expected(ENTRIES, NOT_ARCHIVED, NEWEST);
        assertThat(second.items()).containsExactlyElementsOf(expected.subList(10, 13));
    }

    @Test
    void token_reusedForOneTheCallerCannotSee_showsOnlyWhatTheyMaySee() {
        CatalogQuery q = CatalogQuery.builder().pageSize(20).build();
        Catalog.Page first = catalog.search(ENTRIES, q, e -> true);
        Predicate<CatalogEntry> publicOnly = e -> e.latest().visibility() == Visibility.PUBLIC;

        Catalog.Page second =
                catalog.search(
                        ENTRIES,
                        q.toBuilder().pageToken(first.nextPageToken()).build(),
                        publicOnly);

        List<CatalogEntry> everyone = expected(ENTRIES, NOT_ARCHIVED, NEWEST).subList(20, 40);
        assertThat(second.items())
                .containsExactlyElementsOf(everyone.stream().filter(publicOnly).toList())
                .hasSizeLessThan(20);
    }

    @Test
    void token_afterExpiry_isRefused_butReadingKeepsItAlive() {
        CatalogQuery q = CatalogQuery.builder().pageSize(50).build();
        Catalog.Page page = catalog.search(ENTRIES, q, e -> true);
        ticker.advance(Duration.ofMinutes(9));
        page =
                catalog.search(
                        ENTRIES, q.toBuilder().pageToken(page.nextPageToken()).build(), e -> true);
        ticker.advance(Duration.ofMinutes(9));
        page =
                catalog.search(
                        ENTRIES, q.toBuilder().pageToken(page.nextPageToken()).build(), e -> true);
        String token = page.nextPageToken();
        assertThat(token).isNotNull();

        ticker.advance(Duration.ofMinutes(10).plusNanos(1));

        assertThatThrownBy(
                        () ->
                                catalog.search(
                                        ENTRIES, q.toBuilder().pageToken(token).build(), e -> true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expired")
                .hasMessageContaining("search again");
    }

    @Test
    void token_ofAnEvictedSnapshot_isRefused() {
        Catalog small = new Catalog(1, Duration.ofMinutes(10), ticker);
        CatalogQuery q = CatalogQuery.builder().pageSize(10).build();
        String old = small.search(ENTRIES, q, e -> true).nextPageToken();
        for (int i = 0; i < 3; i++) {
            small.search(
                    ENTRIES, q.toBuilder().tag(CatalogFixtures.TAGS.get(i)).build(), e -> true);
        }
        assertThatThrownBy(
                        () ->
                                small.search(
                                        ENTRIES, q.toBuilder().pageToken(old).build(), e -> true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("search again");
    }

    @Test
    void token_withAnotherQuery_isRefused() {
        CatalogQuery q = CatalogQuery.builder().pageSize(10).build();
        String token = catalog.search(ENTRIES, q, e -> true).nextPageToken();
        for (CatalogQuery other :
                List.of(
                        q.toBuilder().task("ranking").build(),
                        q.toBuilder().text("movie").build(),
                        q.toBuilder().sort(Sort.MOST_USED).build(),
                        q.toBuilder().includeArchived(true).build(),
                        q.toBuilder().metric("auc>0.5").build())) {
            assertThatThrownBy(
                            () ->
                                    catalog.search(
                                            ENTRIES,
                                            other.toBuilder().pageToken(token).build(),
                                            e -> true))
                    .as(other.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("another query")
                    .hasMessageContaining("search again");
        }
    }

    @Test
    void token_alteredOrForged_isRefused() {
        CatalogQuery q = CatalogQuery.builder().pageSize(10).build();
        String token = catalog.search(ENTRIES, q, e -> true).nextPageToken();
        String[] parts = token.split("\\.");
        List<String> forged = new ArrayList<>();
        // Another offset with the original signature.
        forged.add(parts[0] + "." + parts[1] + ".20." + parts[3]);
        forged.add(parts[0] + "." + parts[1] + ".0." + parts[3]);
        // The signature changed in one character.
        char c = parts[3].charAt(0);
        forged.add(
                token.substring(0, token.length() - parts[3].length())
                        + (c == 'A' ? 'B' : 'A')
                        + parts[3].substring(1));
        // Another snapshot id.
        forged.add(
                parts[0] + "." + "A".repeat(parts[1].length()) + "." + parts[2] + "." + parts[3]);
        forged.add(token + ".");
        forged.add(token.substring(1));
        forged.add("");
        forged.add("...");
        forged.add("x".repeat(10_000));
        forged.add("p1.snapshot.10.signature");
        forged.add("é" + token);
        // A token from another instance, which has another key.
        forged.add(new Catalog().search(ENTRIES, q, e -> true).nextPageToken());
        for (String f : forged) {
            assertThatThrownBy(
                            () ->
                                    catalog.search(
                                            ENTRIES, q.toBuilder().pageToken(f).build(), e -> true))
                    .as(f.length() > 100 ? f.substring(0, 100) : f)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("search again");
        }
        // The real token still works.
        assertThat(
                        catalog.search(ENTRIES, q.toBuilder().pageToken(token).build(), e -> true)
                                .items())
                .hasSize(10);
    }

    @Test
    void tokens_areDistinctPerSearch() {
        CatalogQuery q = CatalogQuery.builder().pageSize(10).build();
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            tokens.add(catalog.search(ENTRIES, q, e -> true).nextPageToken());
        }
        assertThat(tokens).hasSize(20);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 201, Integer.MAX_VALUE})
    void pageSize_outsideOneTo200_isRefused(int size) {
        assertThatThrownBy(() -> CatalogQuery.builder().pageSize(size))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("page size")
                .hasMessageContaining("between 1 and 200")
                .hasMessageContaining(String.valueOf(size));
    }

    @Test
    void pageSize_bounds_areAccepted() {
        assertThat(CatalogQuery.builder().pageSize(1).build().pageSize()).isEqualTo(1);
        assertThat(CatalogQuery.builder().pageSize(200).build().pageSize()).isEqualTo(200);
        assertThat(CatalogQuery.builder().build().pageSize()).isEqualTo(20);
    }

    @Test
    void pageSizeOne_walksEveryEntry() {
        CatalogQuery q = CatalogQuery.builder().pageSize(1).build();
        assertThat(CatalogFixtures.all(catalog, ENTRIES, q, e -> true))
                .containsExactlyElementsOf(expected(ENTRIES, NOT_ARCHIVED, NEWEST));
    }
}
