package dev.maas.server;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.Visibility;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Quota;
import dev.maas.access.RepositoryDirectory;
import dev.maas.client.MaasClient;
import dev.maas.client.MarketplaceClient;
import dev.maas.market.ModelSession;
import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.SampleCatalog;
import dev.maas.recommend.train.FactorModel;
import dev.maas.recommend.train.ModelType;
import dev.maas.recommend.train.RecommenderTrainer;
import dev.maas.recommend.train.TrainingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A repository with principals, teams and small real recommenders (EASE, trained in well under a
 * second on a generated catalogue), served by a {@link MaasServer} on 127.0.0.1 with a token per
 * principal:
 *
 * <ul>
 *   <li>{@code movies}: public, owned by team {@code recs} (alice), versions 1 and 2 with different
 *       metrics, alias {@code production} at 1, licence Apache-2.0;
 *   <li>{@code movies-lite}: public, derived from {@code movies:2}, licence MIT;
 *   <li>{@code shelf}: restricted (everyone reads, nobody uses without a grant);
 *   <li>{@code secret-recs}: private, with grants READ to bob, USE to carol, PUBLISH to dave and
 *       ADMIN to erin; frank has none.
 * </ul>
 */
final class MarketFixture implements AutoCloseable {
    static final String[] PRINCIPALS = {"alice", "bob", "carol", "dave", "erin", "frank"};

    final Path root;
    final ModelService maas;
    final TokenStore tokens = TokenStore.inMemory();
    final Map<String, String> tokenOf = new HashMap<>();
    final Path recommenderDir;
    final MaasServer server;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    MarketFixture(Path root, long maxRequestBytes) {
        this.root = root;
        this.maas = ModelService.builder().root(root.resolve("repo")).build();
        RepositoryDirectory dir = (RepositoryDirectory) maas.marketplace().directory();
        dir.addTeam("recs");
        dir.addPrincipal("alice", "recs");
        for (String p : PRINCIPALS) {
            if (!p.equals("alice")) {
                dir.addPrincipal(p);
            }
        }
        for (String p : PRINCIPALS) {
            tokenOf.put(p, tokens.create(p).token());
        }
        this.recommenderDir = root.resolve("recommender");
        writeRecommender(recommenderDir);

        ModelSession alice = maas.as("alice");
        alice.publish(pkg("movies", Visibility.PUBLIC, "Apache-2.0", 0.30, null));
        alice.publish(pkg("movies", Visibility.PUBLIC, "Apache-2.0", 0.34, null));
        alice.setAlias("movies", "production", 1);
        alice.publish(
                pkg(
                        "movies-lite",
                        Visibility.PUBLIC,
                        "MIT",
                        0.28,
                        dev.maas.ModelRef.parse("movies:2")));
        alice.publish(pkg("shelf", Visibility.RESTRICTED, "Apache-2.0", 0.25, null));
        alice.publish(pkg("secret-recs", Visibility.PRIVATE, "proprietary", 0.40, null));
        alice.grant("secret-recs", Grantee.principal("bob"), Permission.READ, Quota.NONE);
        alice.grant("secret-recs", Grantee.principal("carol"), Permission.USE, Quota.NONE);
        alice.grant("secret-recs", Grantee.principal("dave"), Permission.PUBLISH, Quota.NONE);
        alice.grant("secret-recs", Grantee.principal("erin"), Permission.ADMIN, Quota.NONE);

        this.server =
                MaasServer.builder(maas)
                        .port(0)
                        .tokens(tokens)
                        .maxRequestBytes(maxRequestBytes)
                        .build()
                        .start();
    }

    /** Trains a small EASE recommender and writes its files into {@code dir}. */
    static void writeRecommender(Path dir) {
        Interactions data =
                SampleCatalog.builder()
                        .users(120)
                        .items(160)
                        .ratings(4_000)
                        .minRatingsPerUser(10)
                        .seed(8)
                        .build()
                        .generate();
        FactorModel model =
                RecommenderTrainer.create(TrainingConfig.defaults(ModelType.EASE))
                        .fit(data)
                        .model();
        RecommenderPackage.builder()
                .model(model)
                .trainingData(data)
                .owner("recs")
                .description(
                        "# Movies\n\nRecommends **films** from the sample catalogue.\n\n"
                                + "- trained with *EASE*\n- see [the docs](https://example.org/doc)"
                                + "\n\n<script>alert('x')</script>")
                .build()
                .writeTo(dir);
    }

    /** A package of the recommender files with the given card facts. */
    ModelPackage pkg(
            String name,
            Visibility visibility,
            String licence,
            double ndcg,
            dev.maas.ModelRef derivedFrom) {
        ModelCard card =
                RecommenderPackage.cardOf(name, recommenderDir).toBuilder()
                        .visibility(visibility)
                        .license(licence)
                        .metric("ndcg@10", ndcg)
                        .metric("coverage", ndcg / 2)
                        .derivedFrom(derivedFrom)
                        .build();
        return ModelPackage.of(card, recommenderDir);
    }

    /** A client acting as {@code principal}, or anonymous for {@code null}. */
    MarketplaceClient client(String principal) {
        MaasClient.Builder b = MaasClient.builder(server.uri());
        if (principal != null) {
            b.token(tokenOf.get(principal));
        }
        return b.build().marketplace();
    }

    /** A raw answer: status and body. */
    record Answer(int status, String body, HttpResponse<String> response) {}

    /** Sends a raw request as {@code principal} ({@code null}: anonymous). */
    Answer call(String method, String path, String principal, byte[] body, String contentType) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(server.uri() + path))
                        .timeout(Duration.ofSeconds(60))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (principal != null) {
            b.header("Authorization", "Bearer " + tokenOf.get(principal));
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Answer get(String path, String principal) {
        return call("GET", path, principal, null, null);
    }

    Answer postJson(String path, String principal, String json) {
        return call(
                "POST",
                path,
                principal,
                json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "application/json");
    }

    /**
     * Counts the files of every model version (not the usage and grant documents beside them), so
     * tests can show that a refusal published nothing and lost nothing.
     */
    long repositoryFiles() {
        Path models = root.resolve("repo").resolve("models");
        try (var walk = Files.walk(models)) {
            return walk.filter(Files::isRegularFile)
                    .map(models::relativize)
                    .filter(p -> p.getNameCount() > 2 && p.getName(1).toString().matches("[0-9]+"))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        maas.close();
    }
}
