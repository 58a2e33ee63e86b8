package dev.maas.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.maas.InvalidInputException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.recommend.data.ItemInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecommenderTest {
    @TempDir Path tmp;

    private final RecommenderFixture fx = new RecommenderFixture(7, 40, 60, 8, 12);
    private ModelService maas;
    private ModelCard card;
    private Recommender movies;

    @BeforeEach
    void setUp() {
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        card = fx.pkg().publish(maas, "movies");
        maas.setAlias("movies", "production", card.version());
        movies = Recommender.open(maas, "movies@production");
    }

    @AfterEach
    void tearDown() {
        maas.close();
    }

    @Test
    void recommendAll_equalsRecommendUserByUser_withAndWithoutFilters() {
        List<String> users = new ArrayList<>(fx.userIds);
        users.add("nobody-known"); // the popularity fallback, in its place
        RecommendOptions filtered =
                RecommendOptions.builder()
                        .filter(info -> info.genres().contains("Drama"))
                        .exclude(List.of("m1", "m2"))
                        .build();
        for (RecommendOptions options : List.of(RecommendOptions.defaults(), filtered)) {
            List<Recommendations> all = movies.recommendAll(users, 7, options);
            assertThat(all).hasSize(users.size());
            for (int n = 0; n < users.size(); n++) {
                Recommendations one = movies.recommend(users.get(n), 7, options);
                assertThat(all.get(n).items()).isEqualTo(one.items());
                assertThat(all.get(n).source()).isEqualTo(one.source());
            }
        }
        assertThatThrownBy(
                        () ->
                                movies.recommendAll(
                                        List.of("user-1", " "), 5, RecommendOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("userId must not be blank");
    }

    @Test
    void publish_cardHoldsTaskMetricsAndDataSummary() {
        assertThat(card.task()).isEqualTo("recommendation");
        assertThat(card.format()).isEqualTo("factors");
        assertThat(card.metrics()).containsEntry("rmse", 0.9).containsEntry("ndcg@10", 0.25);
        DataSummary summary = DataSummary.of(card);
        assertThat(summary.users()).isEqualTo(40);
        assertThat(summary.items()).isEqualTo(60);
        assertThat(summary.train()).isEqualTo(40L * 12);
        assertThat(card.description()).isEqualTo("test recommender");
        assertThat(movies.card().ref()).isEqualTo(card.ref());
    }

    @Test
    void openAsAPrincipal_servesTheSameLists_countsUsage_andStopsWhenArchived() {
        var directory = (dev.maas.access.RepositoryDirectory) maas.marketplace().directory();
        directory.addTeam("home");
        directory.addTeam("search");
        directory.addPrincipal("alice", "home");
        directory.addPrincipal("bob", "search");
        RecommenderPackage owned =
                RecommenderPackage.builder()
                        .model(fx.model)
                        .trainingData(fx.train)
                        .owner("home")
                        .build();
        owned.publish(maas, "shared-movies");

        Recommender asBob = Recommender.open(maas.as("bob"), "shared-movies");
        Recommender asHost = Recommender.open(maas, "shared-movies");
        for (String user : fx.userIds.subList(0, 5)) {
            assertThat(asBob.recommend(user, 5).ids()).isEqualTo(asHost.recommend(user, 5).ids());
        }
        // Opening is one call, then five recommendations; the host's calls are not a principal's.
        assertThat(maas.as("alice").show("shared-movies").usage()).isEqualTo(6);

        maas.as("alice").archive("shared-movies");
        assertThatThrownBy(() -> asBob.recommend(fx.userIds.get(0), 5))
                .isInstanceOf(dev.maas.ModelNotFoundException.class)
                .hasMessageContaining("archived");
        assertThat(asHost.recommend(fx.userIds.get(0), 5).ids()).hasSize(5);
    }

    @Test
    void recommend_ranksUnseenItemsByPredictedScore() {
        for (int u : new int[] {0, 7, 39}) {
            String user = fx.userIds.get(u);
            Recommendations recs = movies.recommend(user, 10);

            assertThat(recs.source()).isEqualTo(Recommendations.Source.PERSONALIZED);
            assertThat(recs.isFallback()).isFalse();
            assertThat(recs.model()).isEqualTo(ModelRef.of("movies", 1));
            assertThat(recs.ids())
                    .isEqualTo(fx.expectedTopK(u, 10, i -> !fx.seen.get(u).contains(i)));
            for (ScoredItem item : recs.items()) {
                int i = fx.itemIndex(item.id());
                assertThat(item.score()).isCloseTo(fx.score(u, i), within(1e-4));
                assertThat(item.title()).isEqualTo("Movie " + (i + 1));
                assertThat(item.genres()).isEqualTo(fx.catalogue.get(i).genres());
            }
        }
    }

    @Test
    void recommend_includesSeenItemsWhenAsked() {
        int u = 3;
        Recommendations recs =
                movies.recommend(
                        fx.userIds.get(u),
                        10,
                        RecommendOptions.builder().excludeSeen(false).build());

        assertThat(recs.ids()).isEqualTo(fx.expectedTopK(u, 10, i -> true));
        assertThat(recs.ids())
                .as("the unrestricted top 10 of this user contains seen items")
                .anyMatch(id -> fx.seen.get(u).contains(fx.itemIndex(id)));
    }

    @Test
    void recommend_honoursAllowedItemsFilterAndExclusions() {
        int u = 5;
        Set<String> licensed =
                IntStream.range(0, fx.items)
                        .filter(i -> i % 3 != 0)
                        .mapToObj(i -> fx.catalogue.get(i).id())
                        .collect(Collectors.toSet());
        List<String> unfiltered = movies.recommend(fx.userIds.get(u), 3).ids();
        RecommendOptions options =
                RecommendOptions.builder()
                        .allowedItems(licensed)
                        .filter(item -> item.genres().contains("Comedy"))
                        .exclude(unfiltered)
                        .build();

        Recommendations recs = movies.recommend(fx.userIds.get(u), 5, options);

        assertThat(recs.ids())
                .isEqualTo(
                        fx.expectedTopK(
                                u,
                                5,
                                i ->
                                        i % 3 != 0
                                                && fx.catalogue.get(i).genres().contains("Comedy")
                                                && !unfiltered.contains(fx.catalogue.get(i).id())
                                                && !fx.seen.get(u).contains(i)));
        assertThat(recs.items())
                .allSatisfy(item -> assertThat(item.genres()).contains("Comedy"))
                .allSatisfy(item -> assertThat(licensed).contains(item.id()));
        // The same options object serves again (its resolved allowed set is reused).
        assertThat(movies.recommend(fx.userIds.get(u), 5, options).ids()).isEqualTo(recs.ids());
    }

    @Test
    void recommend_allowedItemsUnknownToTheModelAreIgnored() {
        Recommendations recs =
                movies.recommend(
                        fx.userIds.get(0),
                        10,
                        RecommendOptions.builder()
                                .allowedItems(List.of("m2", "brand-new-title"))
                                .excludeSeen(false)
                                .build());

        assertThat(recs.ids()).containsExactly("m2");
    }

    @Test
    void recommend_ranksExplicitCandidatesOnly() {
        int u = 11;
        List<String> candidates = List.of("m50", "m3", "m17", "m42", "m9", "m1");

        Recommendations recs =
                movies.recommend(
                        fx.userIds.get(u),
                        4,
                        RecommendOptions.builder()
                                .candidates(candidates)
                                .excludeSeen(false)
                                .build());

        assertThat(recs.ids())
                .isEqualTo(
                        fx.expectedTopK(u, 4, i -> candidates.contains(fx.catalogue.get(i).id())));
    }

    @Test
    void recommend_unknownCandidate_throwsUnknownItem() {
        RecommendOptions options =
                RecommendOptions.builder().candidates(List.of("m1", "m999")).build();

        assertThatThrownBy(() -> movies.recommend(fx.userIds.get(0), 3, options))
                .isInstanceOf(UnknownItemException.class)
                .hasMessageContaining("unknown item 'm999'")
                .hasMessageContaining("movies:1");
    }

    @Test
    void recommend_unknownUser_fallsBackToPopularity_flagged() {
        Recommendations recs = movies.recommend("someone-new", 8);

        assertThat(recs.source()).isEqualTo(Recommendations.Source.POPULARITY);
        assertThat(recs.isFallback()).isTrue();
        assertThat(recs.model()).isEqualTo(card.ref());
        assertThat(recs.ids()).isEqualTo(fx.expectedPopular(8, i -> true));
        int[] pop = fx.popularity();
        assertThat(recs.items())
                .allSatisfy(
                        item -> assertThat(item.score()).isEqualTo(pop[fx.itemIndex(item.id())]));
    }

    @Test
    void recommend_unknownUser_honoursFilters() {
        Set<String> allowed = Set.of("m5", "m6", "m7", "m8", "m40", "m59");

        Recommendations recs =
                movies.recommend(
                        "someone-new",
                        3,
                        RecommendOptions.builder()
                                .allowedItems(allowed)
                                .exclude(List.of("m5"))
                                .build());

        assertThat(recs.isFallback()).isTrue();
        assertThat(recs.ids())
                .isEqualTo(
                        fx.expectedPopular(
                                3,
                                i -> {
                                    String id = fx.catalogue.get(i).id();
                                    return allowed.contains(id) && !id.equals("m5");
                                }));
    }

    @Test
    void recommend_rejectsNonPositiveK() {
        assertThatThrownBy(() -> movies.recommend(fx.userIds.get(0), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("k must be > 0, was 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t", "   "})
    void recommendAndScore_rejectEmptyOrBlankUserId_insteadOfServingPopularity(String userId) {
        String expected =
                userId.isEmpty() ? "userId must not be empty" : "userId must not be blank";

        assertThatThrownBy(() -> movies.recommend(userId, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(expected)
                .hasMessageContaining("expected a user id");
        assertThatThrownBy(() -> movies.recommend(userId, 3, RecommendOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(expected);
        assertThatThrownBy(() -> movies.score(userId, List.of("m1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(expected);
    }

    @Test
    void similarItems_ranksByCosineOfItemVectors_withoutTheItemItself() {
        int q = fx.itemIndex("m10");

        Recommendations similar = movies.similarItems("m10", 5);

        List<String> expected =
                IntStream.range(0, fx.items)
                        .filter(i -> i != q)
                        .boxed()
                        .sorted(
                                java.util.Comparator.comparingDouble(
                                                (Integer i) -> -fx.cosine(q, i))
                                        .thenComparing(i -> i))
                        .limit(5)
                        .map(i -> fx.catalogue.get(i).id())
                        .toList();
        assertThat(similar.source()).isEqualTo(Recommendations.Source.SIMILAR_ITEMS);
        assertThat(similar.ids()).isEqualTo(expected).doesNotContain("m10");
        for (ScoredItem item : similar.items()) {
            assertThat(item.score()).isCloseTo(fx.cosine(q, fx.itemIndex(item.id())), within(1e-5));
        }
    }

    @Test
    void similarItems_unknownItem_throwsClearError_andServiceKeepsServing() {
        assertThatThrownBy(() -> movies.similarItems("m999", 5))
                .isInstanceOf(UnknownItemException.class)
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unknown item 'm999'")
                .hasMessageContaining("movies:1")
                .hasMessageContaining("catalogue of 60 items")
                .satisfies(e -> assertThat(((UnknownItemException) e).itemId()).isEqualTo("m999"));

        assertThat(movies.similarItems("m1", 3).size()).isEqualTo(3);
    }

    @Test
    void score_returnsModelScoresInTheOrderGiven() {
        int u = 9;
        List<String> ids = List.of("m7", "m1", "m33");

        Recommendations scores = movies.score(fx.userIds.get(u), ids);

        assertThat(scores.ids()).isEqualTo(ids);
        assertThat(scores.source()).isEqualTo(Recommendations.Source.PERSONALIZED);
        for (ScoredItem item : scores.items()) {
            assertThat(item.score()).isCloseTo(fx.score(u, fx.itemIndex(item.id())), within(1e-4));
        }
    }

    @Test
    void score_unknownUserGetsPopularity_unknownItemThrows() {
        Recommendations scores = movies.score("nobody", List.of("m1", "m2"));
        int[] pop = fx.popularity();

        assertThat(scores.isFallback()).isTrue();
        assertThat(scores.items().get(0).score()).isEqualTo(pop[0]);
        assertThat(scores.items().get(1).score()).isEqualTo(pop[1]);
        assertThatThrownBy(() -> movies.score(fx.userIds.get(0), List.of("m1", "nope")))
                .isInstanceOf(UnknownItemException.class)
                .hasMessageContaining("unknown item 'nope'");
    }

    @Test
    void recommend_followsTheAliasAsItMoves() {
        RecommenderFixture other = new RecommenderFixture(99, 40, 60, 8, 12);
        ModelCard v2 = other.pkg().publish(maas, "movies");
        String user = fx.userIds.get(2);
        Recommendations before = movies.recommend(user, 5);

        maas.setAlias("movies", "production", v2.version());
        Recommendations after = movies.recommend(user, 5);

        assertThat(before.model()).isEqualTo(ModelRef.of("movies", 1));
        assertThat(after.model()).isEqualTo(ModelRef.of("movies", 2));
        assertThat(after.ids())
                .isEqualTo(other.expectedTopK(2, 5, i -> !other.seen.get(2).contains(i)));
    }

    @Test
    void concurrentCalls_returnWhatSingleThreadedCallsReturn() throws Exception {
        RecommenderFixture big = new RecommenderFixture(3, 300, 800, 16, 30);
        big.pkg().publish(maas, "big");
        Recommender rec = Recommender.open(maas, "big");
        RecommendOptions comedies =
                RecommendOptions.builder().filter(i -> i.genres().contains("Comedy")).build();
        List<Callable<Object>> calls = new ArrayList<>();
        for (int n = 0; n < 600; n++) {
            String user = n % 10 == 0 ? "stranger-" + n : big.userIds.get((n * 37) % big.users);
            String item = "m" + (1 + (n * 13) % big.items);
            switch (n % 4) {
                case 0 -> calls.add(() -> rec.recommend(user, 10));
                case 1 -> calls.add(() -> rec.recommend(user, 7, comedies));
                case 2 -> calls.add(() -> rec.similarItems(item, 6));
                default -> calls.add(() -> rec.score(user, List.of(item, "m1")));
            }
        }
        List<Object> expected = new ArrayList<>();
        for (Callable<Object> c : calls) {
            expected.add(c.call());
        }

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (Callable<Object> c : calls) {
                    futures.add(pool.submit(c));
                }
            }
            for (int f = 0; f < futures.size(); f++) {
                assertThat(futures.get(f).get(30, TimeUnit.SECONDS))
                        .isEqualTo(expected.get(f % calls.size()));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(maas.storeStats().loads()).isEqualTo(2);
    }

    @Test
    void open_unknownModel_throwsModelNotFound() {
        assertThatThrownBy(() -> Recommender.open(maas, "films@production"))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("films");
    }

    @Test
    void open_recommenderOfAnotherFormatVersion_isMalformed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(dir.resolve("factor-model.json"), "{}");
        Files.writeString(dir.resolve("recommender.properties"), "format.version=999\n");
        ModelCard broken = maas.publish(ModelPackage.of(ModelCard.builder("broken").build(), dir));

        assertThatThrownBy(() -> Recommender.open(maas, broken.ref()))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("broken:1")
                .hasMessageContaining("format.version 999")
                .hasMessageContaining("reads version 1");
        assertThat(movies.recommend(fx.userIds.get(0), 3).size()).isEqualTo(3);
    }

    @Test
    void load_truncatedSeenItems_isMalformed_namingTheFile() throws IOException {
        Path dir = fx.pkg().writeTo(tmp.resolve("pkg"));
        byte[] seen = Files.readAllBytes(dir.resolve("seen.bin"));
        Files.write(dir.resolve("seen.bin"), java.util.Arrays.copyOf(seen, seen.length - 6));
        ModelCard bad = RecommenderPackage.publishFolder(maas, "truncated", dir);

        assertThatThrownBy(() -> Recommender.open(maas, bad.ref()))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("truncated:1")
                .hasMessageContaining("seen.bin");
        assertThat(movies.recommend(fx.userIds.get(0), 3).size()).isEqualTo(3);
    }

    @Test
    void endpoint_onARecommender_pointsToTheRecommenderApi() {
        var endpoint = maas.endpoint("movies@production");
        try (var manager = ai.djl.ndarray.NDManager.newBaseManager()) {
            var input = new ai.djl.ndarray.NDList(manager.create(new float[] {1f}));
            assertThatThrownBy(() -> endpoint.predict(input))
                    .isInstanceOf(dev.maas.MaasException.class)
                    .hasRootCauseInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("is a recommender")
                    .hasMessageContaining("Recommender.open");
        }
        assertThat(movies.recommend(fx.userIds.get(0), 3).size()).isEqualTo(3);
    }

    @Test
    void indexOptions_int8ServesNearlyTheSameLists_badValueIsMalformed() {
        RecommenderFixture big = new RecommenderFixture(21, 50, 400, 16, 20);
        ModelCard published = big.pkg().publish(maas, "big");
        int overlap = 0;
        try (ModelService int8 =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .engineOptions(
                                dev.maas.EngineOptions.defaults()
                                        .with("recommender.precision", "int8"))
                        .build()) {
            Recommender exact = Recommender.open(maas, published.ref());
            Recommender approx = Recommender.open(int8, published.ref());
            for (int u = 0; u < big.users; u++) {
                List<String> a = exact.recommend(big.userIds.get(u), 10).ids();
                List<String> b = approx.recommend(big.userIds.get(u), 10).ids();
                overlap += (int) a.stream().filter(b::contains).count();
            }
        }
        assertThat(overlap / (10.0 * big.users)).isGreaterThan(0.9);

        // Per model, as a card property: the same lists as the service-wide option gives.
        ModelCard perModel =
                RecommenderPackage.builder()
                        .model(big.model)
                        .trainingData(big.train)
                        .property("recommender.precision", "int8")
                        .build()
                        .publish(maas, "big-int8");
        assertThat(perModel.properties()).containsEntry("recommender.precision", "int8");
        try (ModelService int8 =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .engineOptions(
                                dev.maas.EngineOptions.defaults()
                                        .with("recommender.precision", "int8"))
                        .build()) {
            Recommender serviceWide = Recommender.open(int8, published.ref());
            Recommender cardWide = Recommender.open(maas, perModel.ref());
            for (int u = 0; u < big.users; u += 7) {
                assertThat(cardWide.recommend(big.userIds.get(u), 10).ids())
                        .isEqualTo(serviceWide.recommend(big.userIds.get(u), 10).ids());
            }
        }
        assertThatThrownBy(() -> RecommenderPackage.builder().property("recommender.kind", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reserved 'recommender.'");

        try (ModelService bad =
                ModelService.builder()
                        .root(tmp.resolve("repo"))
                        .engineOptions(
                                dev.maas.EngineOptions.defaults()
                                        .with("recommender.precision", "int4"))
                        .build()) {
            assertThatThrownBy(() -> Recommender.open(bad, published.ref()))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("recommender.precision is 'int4'")
                    .hasMessageContaining("float32, int8");
        }
    }

    @Test
    void results_carryItemMetadata() {
        ScoredItem first = movies.recommend(fx.userIds.get(1), 1).items().get(0);
        ItemInfo expected = fx.catalogue.get(fx.itemIndex(first.id()));

        assertThat(first.item()).isEqualTo(expected);
    }
}
