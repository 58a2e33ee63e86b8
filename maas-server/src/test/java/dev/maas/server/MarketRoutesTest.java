package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import dev.maas.ModelRef;
import dev.maas.access.AccessRequest;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Quota;
import dev.maas.audit.AuditAction;
import dev.maas.client.MarketplaceClient;
import dev.maas.client.MarketplaceClient.ModelPage;
import dev.maas.client.MarketplaceClient.ModelSummary;
import dev.maas.client.MarketplaceClient.ModelView;
import dev.maas.client.MarketplaceClient.Search;
import dev.maas.market.ModelSession;
import dev.maas.recommend.RecommendOptions;
import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.ScoredItem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The marketplace and recommendation routes over real sockets on 127.0.0.1, through the typed
 * client: what comes back equals what the in-process API gives, exactly.
 */
class MarketRoutesTest {
    @TempDir static Path dir;
    static MarketFixture f;

    @BeforeAll
    static void start() {
        f = new MarketFixture(dir, 8L << 20);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static List<String> names(ModelPage page) {
        return page.items().stream().map(ModelSummary::name).toList();
    }

    @Test
    void search_filtersByTextTaskOwnerAndLicence() {
        MarketplaceClient alice = f.client("alice");
        assertThat(names(alice.search(Search.ALL)))
                .containsExactlyInAnyOrder("movies", "movies-lite", "shelf", "secret-recs");
        assertThat(names(alice.search(new Search(null, null, null, "MIT", null, 0, null))))
                .containsExactly("movies-lite");
        assertThat(
                        names(
                                alice.search(
                                        new Search(
                                                "lite",
                                                "recommendation",
                                                "recs",
                                                null,
                                                null,
                                                0,
                                                null))))
                .containsExactly("movies-lite");
        assertThat(alice.search(new Search(null, "regression", null, null, null, 0, null)).items())
                .isEmpty();

        ModelSummary movies =
                alice.search(Search.text("movies")).items().stream()
                        .filter(m -> m.name().equals("movies"))
                        .findFirst()
                        .orElseThrow();
        assertThat(movies.version()).isEqualTo(2);
        assertThat(movies.versions()).isEqualTo(2);
        assertThat(movies.license()).isEqualTo("Apache-2.0");
        assertThat(movies.owner()).isEqualTo("recs");
        assertThat(movies.metrics()).containsEntry("ndcg@10", 0.34);
        assertThat(movies.aliases()).containsEntry("production", 1);
    }

    @Test
    void search_pagesAreStableAndComplete() {
        MarketplaceClient alice = f.client("alice");
        Search firstPage = new Search(null, null, null, null, "newest", 3, null);
        ModelPage first = alice.search(firstPage);
        assertThat(first.items()).hasSize(3);
        assertThat(first.total()).isEqualTo(4);
        assertThat(first.nextPage()).isNotNull();
        ModelPage second = alice.search(firstPage.page(first.nextPage()));
        assertThat(second.nextPage()).isNull();
        List<String> all = new ArrayList<>(names(first));
        all.addAll(names(second));
        assertThat(all).containsExactlyInAnyOrder("movies", "movies-lite", "shelf", "secret-recs");
    }

    @Test
    void model_showsTheCardsVersionsAndAliases_asStored() {
        ModelView m = f.client("bob").model("movies");
        assertThat(m.permission()).isEqualTo(Permission.USE);
        assertThat(m.aliases()).isEqualTo(Map.of("production", 1));
        // The cards survive the trip exactly: checksums, metrics, description and all.
        assertThat(m.latest()).isEqualTo(f.maas.resolve(ModelRef.latest("movies")));
        assertThat(m.versions()).hasSize(2);
        assertThat(m.versions().get(0).card()).isEqualTo(f.maas.resolve(ModelRef.of("movies", 1)));
        assertThat(m.versions().get(0).card().metrics()).containsEntry("ndcg@10", 0.30);
        assertThat(f.client("bob").versions("movies")).isEqualTo(m.versions());
        assertThat(f.client(null).aliases("movies")).containsEntry("production", 1);
    }

    @Test
    void recommend_overTheNetwork_equalsInProcess_bitForBit() {
        Recommender local = Recommender.open(f.maas, "movies");
        MarketplaceClient carol = f.client("carol");
        List<String> users = local.model().users().ids().subList(0, 12);
        for (String user : users) {
            assertSame(carol.recommend("movies", user, 10), local.recommend(user, 10));
        }

        // Options: allowed items, excluded items, a genre, seen items kept, a version by alias.
        String user = users.get(3);
        List<String> allowed = local.model().items().ids().subList(0, 60);
        String genre =
                local.model().catalogue().get(0).genres().isEmpty()
                        ? "Drama"
                        : local.model().catalogue().get(0).genres().get(0);
        Recommender production = Recommender.open(f.maas, "movies@production");
        Recommendations expected =
                production.recommend(
                        user,
                        7,
                        RecommendOptions.builder()
                                .allowedItems(allowed)
                                .exclude(List.of(allowed.get(0)))
                                .excludeSeen(false)
                                .filter(i -> i.genres().contains(genre))
                                .build());
        MarketplaceClient.Recommendations got =
                carol.recommend(
                        "movies",
                        user,
                        7,
                        new MarketplaceClient.RecommendOptions(
                                allowed,
                                List.of(allowed.get(0)),
                                List.of(genre),
                                false,
                                "production"));
        assertThat(got.model()).isEqualTo(ModelRef.of("movies", 1));
        assertSame(got, expected);

        String item = local.model().items().ids().get(5);
        assertSame(carol.similar("movies", item, 8), local.similarItems(item, 8));
        List<String> some = local.model().items().ids().subList(10, 20);
        assertSame(carol.score("movies", user, some), local.score(user, some));
    }

    static void assertSame(MarketplaceClient.Recommendations got, Recommendations expected) {
        assertThat(got.model()).isEqualTo(expected.model());
        assertThat(got.source()).isEqualTo(expected.source().name());
        assertThat(got.ids()).isEqualTo(expected.ids());
        for (int i = 0; i < got.items().size(); i++) {
            ScoredItem e = expected.items().get(i);
            MarketplaceClient.Item g = got.items().get(i);
            // Exactly the same double: JSON carries the shortest text that reads back to it.
            assertThat(Double.doubleToRawLongBits(g.score()))
                    .as("score of %s", g.id())
                    .isEqualTo(Double.doubleToRawLongBits(e.score()));
            assertThat(g.title()).isEqualTo(e.title());
            assertThat(g.genres()).isEqualTo(e.genres());
        }
    }

    @Test
    void recommend_forAUserTheModelDoesNotKnow_isThePopularityFallback_flagged() {
        MarketplaceClient.Recommendations r = f.client(null).recommend("movies", "someone-new", 5);
        assertThat(r.source()).isEqualTo("POPULARITY");
        assertSame(r, Recommender.open(f.maas, "movies").recommend("someone-new", 5));
    }

    @Test
    void aliasesAndTraffic_moveForAPublisher_andAreAudited() {
        MarketplaceClient alice = f.client("alice");
        assertThat(alice.moveAlias("movies-lite", "staging", 1)).containsEntry("staging", 1);
        assertThat(f.maas.aliases("movies-lite")).containsEntry("staging", 1);
        assertThat(alice.splitTraffic("movies-lite", "staging", Map.of(1, 3.0)))
                .containsKey("staging");
        assertThat(f.maas.trafficPolicy("movies-lite", "staging").orElseThrow().weights())
                .isEqualTo(Map.of(1, 1.0));
        alice.clearTraffic("movies-lite", "staging");
        assertThat(f.maas.trafficPolicy("movies-lite", "staging")).isEmpty();
        assertThat(alice.removeAlias("movies-lite", "staging")).doesNotContainKey("staging");

        List<AuditAction> actions =
                alice.audit("movies-lite", 50).stream()
                        .filter(e -> e.principal().equals("alice"))
                        .map(MarketplaceClient.AuditRecord::action)
                        .toList();
        assertThat(actions)
                .containsSubsequence(
                        AuditAction.ALIAS_SET,
                        AuditAction.TRAFFIC_SET,
                        AuditAction.TRAFFIC_CLEAR,
                        AuditAction.ALIAS_REMOVE);
        assertThat(alice.auditOf("alice", 1000))
                .extracting(a -> a.action())
                .contains(AuditAction.PUBLISH);
    }

    @Test
    void accessRequest_isAskedApprovedAndThenUsable() {
        MarketplaceClient frank = f.client("frank");
        assertThatThrownBy(() -> frank.recommend("shelf", "u1", 3))
                .isInstanceOf(dev.maas.AccessDeniedException.class)
                .hasMessageContaining("needs USE, has READ");
        AccessRequest asked =
                frank.requestAccess("shelf", null, Permission.USE, "the shelf page needs it");
        assertThat(asked.state()).isEqualTo(AccessRequest.State.PENDING);
        assertThat(asked.grantee()).isEqualTo(Grantee.principal("frank"));

        MarketplaceClient alice = f.client("alice");
        assertThat(alice.accessRequests()).extracting(AccessRequest::id).contains(asked.id());
        assertThat(alice.approve(asked.id(), new Quota(4, 0), "ok").permission())
                .isEqualTo(Permission.USE);
        assertThat(frank.recommend("shelf", "u1", 3).items()).hasSize(3);
        assertThat(alice.grants("shelf"))
                .anySatisfy(
                        g -> {
                            assertThat(g.grantee()).isEqualTo(Grantee.principal("frank"));
                            assertThat(g.quota()).isEqualTo(new Quota(4, 0));
                        });
        // Deciding it again is a conflict, not a second grant.
        assertThatThrownBy(() -> alice.deny(asked.id(), "changed my mind"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("APPROVED already");
        alice.revoke("shelf", Grantee.principal("frank"));
        assertThat(alice.grants("shelf")).noneMatch(g -> g.grantee().name().equals("frank"));
    }

    @Test
    void lineageAndUsage_areTheModelsOwn() {
        MarketplaceClient bob = f.client("bob");
        ModelSession.LineageView movies = bob.lineage("movies");
        assertThat(movies.descendants()).containsExactly("movies-lite");
        assertThat(bob.lineage("movies-lite").ancestors())
                .containsExactly(ModelRef.of("movies", 2));

        long before = f.client("alice").usage("movies-lite").total();
        for (int i = 0; i < 3; i++) {
            bob.recommend("movies-lite", "u" + i, 2);
        }
        MarketplaceClient.UsageReport usage = f.client("alice").usage("movies-lite");
        // Three calls, and one for opening the recommender the first time this caller used it.
        assertThat(usage.total()).isBetween(before + 3, before + 4);
        assertThat(usage.byDay()).containsKey(LocalDate.now(ZoneOffset.UTC));
        assertThat(usage.byVersion()).containsKey(1);
    }

    @Test
    void publish_zipTarAndCardFile_addVersions_thatServeLikeInProcess() throws Exception {
        MarketplaceClient alice = f.client("alice");
        Map<String, byte[]> files = TestArchives.files(f.recommenderDir);

        ModelCard zipped = alice.publish("uploaded", TestArchives.zip(files));
        assertThat(zipped.version()).isEqualTo(1);
        assertThat(zipped.task()).isEqualTo("recommendation");
        assertThat(zipped.artifacts().keySet()).isEqualTo(files.keySet());

        // A gzip-compressed tar whose only top-level entry is the model's folder.
        Map<String, byte[]> nested = new LinkedHashMap<>();
        files.forEach((k, v) -> nested.put("./model/" + k, v));
        ModelCard tarred = alice.publish("uploaded", TestArchives.gzip(TestArchives.tar(nested)));
        assertThat(tarred.version()).isEqualTo(2);
        assertThat(tarred.artifacts()).isEqualTo(zipped.artifacts());

        Recommender uploaded = Recommender.open(f.maas, "uploaded:2");
        String user = uploaded.model().users().ids().get(0);
        assertSame(
                alice.recommend(
                        "uploaded",
                        user,
                        5,
                        new MarketplaceClient.RecommendOptions(
                                null, List.of(), List.of(), null, "2")),
                uploaded.recommend(user, 5));

        // Any model: model-card.json beside the files gives the card.
        Map<String, byte[]> generic = new LinkedHashMap<>();
        generic.put(
                "model-card.json",
                ("{\"task\": \"regression\", \"owner\": \"recs\", \"engine\": \"OnnxRuntime\","
                                + " \"license\": \"MIT\", \"description\": \"a *tiny* model\","
                                + " \"metrics\": {\"rmse\": 0.5}, \"visibility\": \"private\"}")
                        .getBytes(StandardCharsets.UTF_8));
        generic.put("weights/model.onnx", new byte[] {1, 2, 3});
        ModelCard card = alice.publish("tiny-regressor", TestArchives.zip(generic));
        assertThat(card.engine()).isEqualTo("OnnxRuntime");
        assertThat(card.visibility()).isEqualTo(dev.maas.Visibility.PRIVATE);
        assertThat(card.artifacts()).containsOnlyKeys("weights/model.onnx");
        assertThat(f.maas.resolve(ModelRef.latest("tiny-regressor"))).isEqualTo(card);
        // Private: bob does not see it, and it looks like nothing at all.
        assertThatThrownBy(() -> f.client("bob").model("tiny-regressor"))
                .isInstanceOf(dev.maas.ModelNotFoundException.class)
                .hasMessage("model 'tiny-regressor' not found");
    }

    @Test
    void me_namesTheCaller() {
        assertThat(f.client("alice").me())
                .isEqualTo(new MarketplaceClient.Identity("alice", List.of("recs"), false));
        assertThat(f.client(null).me().anonymous()).isTrue();
    }
}
