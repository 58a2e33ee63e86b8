package dev.maas.market;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.Visibility;
import dev.maas.catalog.Catalog.Page;
import dev.maas.catalog.CatalogEntry;
import dev.maas.catalog.CatalogQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Search through sessions over 220 cards really published to a repository by three teams, with the
 * expected results computed independently from what was published, and pagination while other
 * models are being published.
 */
class PublishedCatalogSearchTest {
    @TempDir static Path tmp;
    private static MarketFixture f;
    private static final List<ModelCard> PUBLISHED = new ArrayList<>();
    private static final String[] TASKS = {"ranking", "recommendation", "regression", "churn"};
    private static final String[] TEAMS = {"home", "search", "music"};
    private static final String[] TAGS = {"video", "music", "games", "kids", "live"};
    private static final String[] LICENSES = {"apache-2.0", "proprietary", "mit"};

    @BeforeAll
    static void publish() {
        f = new MarketFixture(tmp);
        Random random = new Random(11);
        for (int i = 0; i < 220; i++) {
            String team = TEAMS[i % 3];
            Visibility visibility = Visibility.values()[random.nextInt(3)];
            ModelCard card =
                    MarketFixture.card(String.format("model-%03d", i), team, visibility)
                            .task(TASKS[random.nextInt(TASKS.length)])
                            .tags(TAGS[random.nextInt(TAGS.length)], TAGS[random.nextInt(5)])
                            .license(LICENSES[random.nextInt(LICENSES.length)])
                            .description(
                                    (i % 7 == 0 ? "watch time predictor " : "catalogue model ")
                                            + "of team "
                                            + team)
                            .metric("ndcg@10", Math.round(random.nextDouble() * 1000) / 1000.0)
                            .build();
            PUBLISHED.add(f.maas.as(owner(team)).publish(f.pkg(card, "m" + i)));
        }
    }

    private static String owner(String team) {
        return switch (team) {
            case "home" -> "alice";
            case "search" -> "bob";
            default -> "carol";
        };
    }

    @AfterAll
    static void close() {
        f.close();
    }

    /** What bob (team search) may see: his team's models and everything not private. */
    private static boolean bobSees(ModelCard c) {
        return c.owner().equals("search") || c.visibility() != Visibility.PRIVATE;
    }

    private static List<String> all(String who, CatalogQuery query) {
        List<String> names = new ArrayList<>();
        ModelSession s = f.maas.as(who);
        Page page = s.search(query);
        names.addAll(page.items().stream().map(CatalogEntry::name).toList());
        while (page.nextPageToken() != null) {
            page = s.search(query.toBuilder().pageToken(page.nextPageToken()).build());
            names.addAll(page.items().stream().map(CatalogEntry::name).toList());
        }
        return names;
    }

    private static List<String> expected(Predicate<ModelCard> filter) {
        return PUBLISHED.stream()
                .filter(PublishedCatalogSearchTest::bobSees)
                .filter(filter)
                .sorted(
                        Comparator.comparing(ModelCard::createdAt)
                                .reversed()
                                .thenComparing(ModelCard::name))
                .map(ModelCard::name)
                .toList();
    }

    @Test
    void filters_returnExactlyTheVisibleMatchingModels() {
        CatalogQuery.Builder q = CatalogQuery.builder().pageSize(50).sort(CatalogQuery.Sort.NEWEST);
        assertThat(all("bob", q.build())).containsExactlyElementsOf(expected(c -> true));
        assertThat(all("bob", q.task("churn").build()))
                .containsExactlyElementsOf(expected(c -> c.task().equals("churn")));
        assertThat(
                        all(
                                "bob",
                                CatalogQuery.builder()
                                        .pageSize(50)
                                        .sort(CatalogQuery.Sort.NEWEST)
                                        .tag("kids")
                                        .license("mit")
                                        .owner("home")
                                        .build()))
                .containsExactlyElementsOf(
                        expected(
                                c ->
                                        c.tags().contains("kids")
                                                && "mit".equals(c.license())
                                                && c.owner().equals("home")));
        assertThat(
                        all(
                                "bob",
                                CatalogQuery.builder()
                                        .pageSize(50)
                                        .sort(CatalogQuery.Sort.NEWEST)
                                        .metric("ndcg@10>=0.5")
                                        .visibility(Visibility.RESTRICTED)
                                        .build()))
                .containsExactlyElementsOf(
                        expected(
                                c ->
                                        c.metrics().get("ndcg@10") >= 0.5
                                                && c.visibility() == Visibility.RESTRICTED));
        List<String> watch =
                all("bob", CatalogQuery.builder().text("watch time").pageSize(50).build());
        assertThat(new HashSet<>(watch))
                .isEqualTo(new HashSet<>(expected(c -> c.description().startsWith("watch time"))));
        assertThat(watch).isNotEmpty();
    }

    @Test
    void bestMetricSort_ordersByTheMetric() {
        List<String> best =
                all(
                        "bob",
                        CatalogQuery.builder()
                                .task("ranking")
                                .sort(CatalogQuery.Sort.best("ndcg@10", true))
                                .pageSize(13)
                                .build());
        List<String> expected =
                PUBLISHED.stream()
                        .filter(PublishedCatalogSearchTest::bobSees)
                        .filter(c -> c.task().equals("ranking"))
                        .sorted(
                                Comparator.comparing((ModelCard c) -> -c.metrics().get("ndcg@10"))
                                        .thenComparing(ModelCard::name))
                        .map(ModelCard::name)
                        .toList();
        assertThat(best).containsExactlyElementsOf(expected);
    }

    @Test
    void pagination_neitherRepeatsNorSkips_whileOthersPublish() throws Exception {
        CatalogQuery query =
                CatalogQuery.builder().sort(CatalogQuery.Sort.NEWEST).pageSize(9).build();
        List<String> before = expected(c -> true);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger added = new AtomicInteger();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> publishing =
                writer.submit(
                        () -> {
                            while (!stop.get() && added.get() < 40) {
                                int n = added.getAndIncrement();
                                f.maas.as("bob")
                                        .publish(
                                                f.pkg(
                                                        MarketFixture.card(
                                                                        "late-" + n,
                                                                        "search",
                                                                        Visibility.PUBLIC)
                                                                .build(),
                                                        "late"));
                            }
                            return null;
                        });
        try {
            List<String> seen = new ArrayList<>();
            ModelSession bob = f.maas.as("bob");
            Page page = bob.search(query);
            seen.addAll(page.items().stream().map(CatalogEntry::name).toList());
            int total = page.total();
            while (page.nextPageToken() != null) {
                page = bob.search(query.toBuilder().pageToken(page.nextPageToken()).build());
                seen.addAll(page.items().stream().map(CatalogEntry::name).toList());
            }
            assertThat(seen).doesNotHaveDuplicates();
            assertThat(seen).hasSize(total);
            // Everything that existed before the search began is there, in order.
            assertThat(seen.stream().filter(n -> !n.startsWith("late-")).toList())
                    .containsExactlyElementsOf(before);
        } finally {
            stop.set(true);
            publishing.get(60, TimeUnit.SECONDS);
            writer.shutdownNow();
            for (int i = 0; i < added.get(); i++) {
                f.maas.delete("late-" + i, 1);
            }
        }
    }
}
