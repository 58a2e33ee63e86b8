package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.maas.AccessDeniedException;
import dev.maas.ModelNotFoundException;
import dev.maas.client.MarketplaceClient;
import dev.maas.client.MarketplaceClient.ModelSummary;
import dev.maas.client.MarketplaceClient.Search;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Access through the network: each grant level on a private model, the anonymous caller, revoked
 * and unknown tokens, and that a model the caller may not see answers exactly like one that does
 * not exist.
 */
class MarketAccessTest {
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

    /** Every route about one model, with the method and body it takes. */
    static final String[][] MODEL_ROUTES = {
        {"GET", "", null},
        {"GET", "/versions", null},
        {"GET", "/aliases", null},
        {"GET", "/traffic", null},
        {"GET", "/lineage", null},
        {"GET", "/usage", null},
        {"GET", "/grants", null},
        {"GET", "/audit", null},
        {"GET", "/access-requests", null},
        {"GET", "/recommend?user=1&k=3", null},
        {"POST", "/recommend", "{\"user\": \"1\"}"},
        {"GET", "/similar?item=1&k=3", null},
        {"POST", "/score", "{\"user\": \"1\", \"items\": [\"1\"]}"},
        {"PUT", "/aliases/production", "{\"version\": 1}"},
        {"DELETE", "/aliases/production", null},
        {"PUT", "/traffic/production", "{\"weights\": {\"1\": 1}}"},
        {"PUT", "/grants", "{\"grantee\": \"principal:frank\", \"permission\": \"ADMIN\"}"},
        {"DELETE", "/grants/principal:bob", null},
        {"POST", "/access-requests", "{\"permission\": \"USE\", \"reason\": \"r\"}"},
    };

    private static MarketFixture.Answer call(String[] route, String model, String principal) {
        String path = "/api/v1/models/" + model + route[1];
        return route[2] == null
                ? f.call(route[0], path, principal, null, null)
                : f.call(
                        route[0],
                        path,
                        principal,
                        route[2].getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "application/json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"frank", "anonymous"})
    void aModelOneMayNotSee_answersExactlyLikeAMissingOne(String who) {
        String principal = who.equals("anonymous") ? null : who;
        // frank has no grant on the private model; anonymous callers see public models only.
        String hidden = principal == null ? "shelf" : "secret-recs";
        for (String[] route : MODEL_ROUTES) {
            MarketFixture.Answer denied = call(route, hidden, principal);
            MarketFixture.Answer missing = call(route, "no-such-model", principal);
            boolean needsSignIn =
                    route[0].equals("PUT")
                            || route[0].equals("DELETE")
                            || java.util.Set.of("/grants", "/audit", "/access-requests")
                                    .contains(route[1]);
            if (principal == null && needsSignIn) {
                // Anonymous callers are told to sign in before anything is looked up.
                assertThat(denied.status()).as("%s %s", route[0], route[1]).isEqualTo(401);
                assertThat(missing.status()).isEqualTo(401);
                assertThat(denied.body()).isEqualTo(missing.body());
                continue;
            }
            assertThat(denied.status()).as("%s %s", route[0], route[1]).isEqualTo(404);
            assertThat(missing.status()).as("%s %s", route[0], route[1]).isEqualTo(404);
            assertThat(denied.body().replace(hidden, "NAME"))
                    .as("%s %s", route[0], route[1])
                    .isEqualTo(missing.body().replace("no-such-model", "NAME"));
            assertThat(denied.body()).isEqualTo("{\"error\":\"model '" + hidden + "' not found\"}");
        }
    }

    @ParameterizedTest(name = "{0}: read {1}, use {2}, publish {3}, admin {4}")
    @CsvSource({
        "bob,   200, 403, 403, 403",
        "carol, 200, 200, 403, 403",
        "dave,  200, 200, 200, 403",
        "erin,  200, 200, 200, 200",
        "alice, 200, 200, 200, 200",
    })
    void eachGrantLevel_allowsWhatItSays(String who, int read, int use, int publish, int admin) {
        String m = "/api/v1/models/secret-recs";
        assertThat(f.get(m, who).status()).isEqualTo(read);
        assertThat(f.get(m + "/versions", who).status()).isEqualTo(read);
        assertThat(f.get(m + "/recommend?user=1&k=3", who).status()).isEqualTo(use);
        MarketFixture.Answer move =
                f.call(
                        "PUT",
                        m + "/aliases/" + who,
                        who,
                        "{\"version\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "application/json");
        assertThat(move.status()).as(move.body()).isEqualTo(publish);
        MarketFixture.Answer grant =
                f.call(
                        "PUT",
                        m + "/grants",
                        who,
                        "{\"grantee\": \"team:recs\", \"permission\": \"READ\"}"
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "application/json");
        assertThat(grant.status()).as(grant.body()).isEqualTo(admin);
        if (publish == 403) {
            assertThat(move.body()).contains("needs PUBLISH");
            assertThat(f.maas.aliases("secret-recs")).doesNotContainKey(who);
        }
        // What the page shows as "your permission".
        JsonObject shown = JsonParser.parseString(f.get(m, who).body()).getAsJsonObject();
        String expected =
                admin == 200 ? "ADMIN" : publish == 200 ? "PUBLISH" : use == 200 ? "USE" : "READ";
        assertThat(shown.get("permission").getAsString()).isEqualTo(expected);
    }

    @Test
    void anonymous_seesAndUsesPublicModelsOnly_andChangesNothing() {
        MarketplaceClient anonymous = f.client(null);
        assertThat(anonymous.search(Search.ALL).items())
                .extracting(ModelSummary::name)
                .containsExactlyInAnyOrder("movies", "movies-lite");
        // Asking for restricted models finds none, rather than an error that would tell them apart.
        assertThat(anonymous.search(new Search(null, null, null, null, null, 0, null)).total())
                .isEqualTo(2);
        assertThat(f.get("/api/v1/models?visibility=restricted", null).body())
                .contains("\"total\":0");
        assertThat(anonymous.recommend("movies", "1", 3).items()).hasSize(3);
        assertThatThrownBy(() -> anonymous.model("shelf"))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessage("model 'shelf' not found");
        assertThatThrownBy(() -> anonymous.moveAlias("movies", "production", 2))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("sign in to move an alias");
        assertThat(f.maas.aliases("movies")).containsEntry("production", 1);
        MarketFixture.Answer a = f.get("/api/v1/models/movies/grants", null);
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.response().headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        // Usage figures without who called.
        assertThat(f.get("/api/v1/models/movies/usage", null).body()).doesNotContain("principal");
        // Lineage stops at what an anonymous caller may see.
        assertThat(anonymous.lineage("movies").descendants()).containsExactly("movies-lite");
    }

    @Test
    void restrictedModel_isReadableBySignedInCallers_butUsableOnlyWithAGrant() {
        assertThat(f.client("bob").model("shelf").permission())
                .isEqualTo(dev.maas.access.Permission.READ);
        assertThatThrownBy(() -> f.client("bob").recommend("shelf", "1", 3))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("may not use model 'shelf': needs USE, has READ");
    }

    @Test
    void revokedAndUnknownTokens_areRefused_andNeverServedAsAnonymous() {
        TokenStore.CreatedToken created = f.tokens.create("carol");
        MarketplaceClient carol =
                dev.maas.client.MaasClient.builder(f.server.uri())
                        .token(created.token())
                        .build()
                        .marketplace();
        assertThat(carol.me().id()).isEqualTo("carol");
        assertThat(f.tokens.revoke(created.info().id())).isTrue();
        // A revocation is seen at once here, and within the store's refresh by other servers.
        long until = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                carol.me();
            } catch (AccessDeniedException e) {
                assertThat(e.getMessage()).contains("unknown or revoked");
                break;
            }
            assertThat(System.nanoTime()).as("revoked token still accepted").isLessThan(until);
            sleep(100);
        }
        assertThatThrownBy(carol::me).isInstanceOf(AccessDeniedException.class);
        MarketplaceClient forged =
                dev.maas.client.MaasClient.builder(f.server.uri())
                        .token("maas_forged")
                        .build()
                        .marketplace();
        assertThatThrownBy(() -> forged.search(Search.ALL))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("unknown or revoked");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void accessRequests_ofOthersAreNotThere() {
        String id =
                f.client("carol")
                        .requestAccess(
                                "movies", null, dev.maas.access.Permission.PUBLISH, "to ship")
                        .id();
        // bob neither made it nor administers the model: to him it does not exist.
        MarketFixture.Answer a =
                f.postJson("/api/v1/access-requests/" + id + "/approve", "bob", "{}");
        assertThat(a.status()).isEqualTo(404);
        assertThat(a.body()).contains("access request '" + id + "' not found");
        assertThat(f.client("bob").accessRequests()).noneMatch(r -> r.id().equals(id));
        assertThat(f.client("alice").accessRequests()).anyMatch(r -> r.id().equals(id));
        assertThat(List.of(f.client("carol").accessRequests().get(0).requestedBy()))
                .containsExactly("carol");
    }
}
