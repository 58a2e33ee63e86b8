package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.AccessDeniedException;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.OverloadedException;
import dev.maas.Visibility;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Quota;
import dev.maas.access.RepositoryDirectory;
import dev.maas.client.MaasClient;
import dev.maas.client.Tensor;
import dev.maas.client.UnauthenticatedException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may do what through the network: each grant level, the owner, a principal with no grant, the
 * anonymous caller (public models only), unknown, malformed and revoked tokens, and that a model
 * one may not see answers exactly like a model that does not exist.
 */
class AccessTest {
    static final String BODY =
            "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";

    @TempDir static Path tmp;
    static ModelService maas;
    static TokenStore tokens;
    static MaasServer server;
    static final Map<String, String> token = new LinkedHashMap<>();

    @BeforeAll
    static void start() {
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        RepositoryDirectory directory = (RepositoryDirectory) maas.marketplace().directory();
        directory.addTeam("ml");
        directory.addTeam("search");
        directory.addPrincipal("olga", "ml");
        directory.addPrincipal("bob", "search");
        directory.addPrincipal("carol");
        directory.addPrincipal("dave");
        Path dense = tmp.resolve("dense");
        Fixtures.writeDense(dense);
        maas.publish(
                ModelPackage.of(
                        Fixtures.denseCard("open", Visibility.PUBLIC, "ml").build(), dense));
        maas.publish(
                ModelPackage.of(
                        Fixtures.denseCard("listed", Visibility.RESTRICTED, "ml").build(), dense));
        maas.publish(
                ModelPackage.of(
                        Fixtures.denseCard("secret", Visibility.PRIVATE, "ml").build(), dense));
        maas.as("olga").grant("secret", Grantee.team("search"), Permission.USE, Quota.NONE);
        maas.as("olga").grant("secret", Grantee.principal("carol"), Permission.READ, Quota.NONE);
        // dave may call the secret model once every 100 seconds.
        maas.as("olga")
                .grant("secret", Grantee.principal("dave"), Permission.USE, new Quota(0, 0.01));
        tokens = TokenStore.in(maas.repository());
        for (String who : new String[] {"olga", "bob", "carol", "dave", "eve"}) {
            token.put(who, tokens.create(who).token());
        }
        server = MaasServer.builder(maas).port(0).tokens(tokens).build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
        maas.close();
    }

    /** Metadata status / infer status for each caller and model. */
    @Test
    void everyCallerOnEveryModel() {
        String[][] expected = {
            // caller, open, listed, secret (metadata/infer)
            {null, "200/200", "404/404", "404/404"},
            {"eve", "200/200", "200/403", "404/404"},
            {"carol", "200/200", "200/403", "200/403"},
            {"bob", "200/200", "200/403", "200/200"},
            {"olga", "200/200", "200/200", "200/200"},
        };
        for (String[] row : expected) {
            String t = row[0] == null ? null : token.get(row[0]);
            String[] models = {"open", "listed", "secret"};
            for (int i = 0; i < models.length; i++) {
                int meta = Http.get(server.uri(), "/v2/models/" + models[i], t).status();
                Http.Reply infer =
                        Http.post(server.uri(), "/v2/models/" + models[i] + "/infer", BODY, t);
                assertThat(meta + "/" + infer.status())
                        .as("%s on %s: %s", row[0], models[i], infer.text())
                        .isEqualTo(row[i + 1]);
            }
        }
    }

    @Test
    void deniedAndMissing_lookTheSame() {
        for (String t : new String[] {null, token.get("eve")}) {
            for (String path : new String[] {"", "/ready", "/versions/1", "/versions/1/ready"}) {
                Http.Reply denied = Http.get(server.uri(), "/v2/models/secret" + path, t);
                Http.Reply missing = Http.get(server.uri(), "/v2/models/nosuch" + path, t);
                assertThat(denied.status()).isEqualTo(404).isEqualTo(missing.status());
                assertThat(denied.error().replace("secret", "NAME"))
                        .isEqualTo(missing.error().replace("nosuch", "NAME"));
                assertThat(denied.headers().map().keySet())
                        .isEqualTo(missing.headers().map().keySet());
            }
            Http.Reply denied = Http.post(server.uri(), "/v2/models/secret/infer", BODY, t);
            Http.Reply missing = Http.post(server.uri(), "/v2/models/nosuch/infer", BODY, t);
            assertThat(denied.status()).isEqualTo(404).isEqualTo(missing.status());
            assertThat(denied.error()).isEqualTo("model 'secret' not found");
            assertThat(missing.error()).isEqualTo("model 'nosuch' not found");
        }
    }

    @Test
    void clientMapsRefusalsToTheCoreExceptions() {
        Tensor x = Tensor.ofFloats("x", new long[] {1, 4}, 1, 2, 3, 4);
        MaasClient eve = MaasClient.builder(server.uri()).token(token.get("eve")).build();
        assertThatThrownBy(() -> eve.infer("secret", x))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessage("model 'secret' not found");
        assertThatThrownBy(() -> eve.infer("listed", x))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("may not use model 'listed': needs USE, has READ");
        MaasClient bob = MaasClient.builder(server.uri()).token(token.get("bob")).build();
        assertThat(bob.infer("secret", x).outputs().get(0).asFloats()).hasSize(Fixtures.OUT);
    }

    @Test
    void quota_answers429() {
        MaasClient dave = MaasClient.builder(server.uri()).token(token.get("dave")).build();
        Tensor x = Tensor.ofFloats("x", new long[] {1, 4}, 1, 2, 3, 4);
        OverloadedException refused = null;
        for (int i = 0; i < 3 && refused == null; i++) {
            try {
                dave.infer("secret", x);
            } catch (OverloadedException e) {
                refused = e;
            }
        }
        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains("dave");
        assertThat(
                        Http.post(server.uri(), "/v2/models/secret/infer", BODY, token.get("dave"))
                                .status())
                .isEqualTo(429);
    }

    @Test
    void badTokens_are401_andNeverEchoed() {
        String unknown = TokenStore.PREFIX + "not-a-real-token";
        for (String header : new String[] {"Bearer " + unknown, "Basic b2xnYTpwdw==", "Bearer"}) {
            Http.Reply r =
                    Http.send(
                            server.uri(),
                            "GET",
                            "/v2/models/open",
                            null,
                            null,
                            "Authorization",
                            header);
            assertThat(r.status()).as(header).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(r.text()).doesNotContain("not-a-real-token").doesNotContain("b2xnYTpwdw");
        }
        MaasClient c = MaasClient.builder(server.uri()).token(unknown).build();
        assertThatThrownBy(() -> c.modelMetadata("open"))
                .isInstanceOf(UnauthenticatedException.class)
                .hasMessage("the bearer token is unknown or revoked");
    }

    @Test
    void revokedToken_isRefusedAtOnce() {
        TokenStore.CreatedToken t = tokens.create("bob");
        assertThat(Http.get(server.uri(), "/v2/models/secret", t.token()).status()).isEqualTo(200);
        assertThat(tokens.revoke(t.info().id())).isTrue();
        Http.Reply r = Http.get(server.uri(), "/v2/models/open", t.token());
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.error()).isEqualTo("the bearer token is unknown or revoked");
        // Other tokens of the same principal still work.
        assertThat(Http.get(server.uri(), "/v2/models/secret", token.get("bob")).status())
                .isEqualTo(200);
    }

    @Test
    void healthNeedsNoToken() {
        assertThat(Http.get(server.uri(), "/v2/health/ready", null).status()).isEqualTo(200);
        assertThat(Http.get(server.uri(), "/v2", null).status()).isEqualTo(200);
    }
}
