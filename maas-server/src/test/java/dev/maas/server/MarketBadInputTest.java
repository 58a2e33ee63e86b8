package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input to the marketplace routes over 127.0.0.1: each gets a clear error naming what was wrong
 * and what was expected, the server keeps serving, and nothing stored is lost or added. The
 * server's body limit is 1 MiB here, so an upload may unpack to 16 MiB.
 */
class MarketBadInputTest {
    static final long LIMIT = 1L << 20;

    @TempDir static Path dir;
    static MarketFixture f;

    private long filesBefore;
    private List<String> uploadsBefore;

    @BeforeAll
    static void start() {
        f = new MarketFixture(dir, LIMIT);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @BeforeEach
    void remember() {
        filesBefore = f.repositoryFiles();
        uploadsBefore = leftoverUploads();
    }

    /** After every bad request: the server still answers, nothing was written or left behind. */
    @AfterEach
    void stillServingAndNothingChanged() {
        assertThat(f.get("/api/v1/models/movies", "alice").status()).isEqualTo(200);
        assertThat(f.client("carol").recommend("movies", "1", 3).items()).hasSize(3);
        assertThat(f.repositoryFiles()).isEqualTo(filesBefore);
        assertThat(f.maas.versions("movies")).hasSize(2);
        assertThat(leftoverUploads()).isEqualTo(uploadsBefore);
    }

    private static List<String> leftoverUploads() {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("maas-upload-"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @CsvSource({"0", "-1", "abc", "1001", "1.5", "99999999999"})
    void badK_isRefused_namingTheRange(String k) {
        MarketFixture.Answer a = f.get("/api/v1/models/movies/recommend?user=1&k=" + k, "carol");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body())
                .isEqualTo("{\"error\":\"k must be an integer from 1 to 1000, was '" + k + "'\"}");
    }

    @Test
    void badKInAJsonBody_isRefused_showingTheValue() {
        MarketFixture.Answer a =
                f.postJson(
                        "/api/v1/models/movies/recommend",
                        "carol",
                        "{\"user\":\"1\",\"k\":\"ten\"}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body())
                .contains("field 'k' must be an integer from 1 to 1000, was \\\"ten\\\"");
    }

    @Test
    void missingOrBlankUser_isRefused() {
        assertThat(f.get("/api/v1/models/movies/recommend?k=3", "carol").body())
                .contains("give 'user' (a user id of the training data) or 'items'");
        MarketFixture.Answer blank = f.get("/api/v1/models/movies/recommend?user=%20&k=3", "carol");
        assertThat(blank.status()).isEqualTo(400);
        assertThat(blank.body()).contains("user must not be blank");
    }

    @Test
    void unknownUser_isNoError_butThePopularityFallback() {
        MarketFixture.Answer a =
                f.get("/api/v1/models/movies/recommend?user=not-a-user&k=3", "carol");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body()).contains("\"source\":\"POPULARITY\"");
    }

    @Test
    void unknownItem_isRefused_namingIt() {
        MarketFixture.Answer a =
                f.get("/api/v1/models/movies/similar?item=no-such-item&k=3", "carol");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body()).contains("no-such-item");
        MarketFixture.Answer score =
                f.postJson(
                        "/api/v1/models/movies/score",
                        "carol",
                        "{\"user\": \"1\", \"items\": [\"1\", \"nope-item\"]}");
        assertThat(score.status()).isEqualTo(400);
        assertThat(score.body()).contains("nope-item");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"user\": \"1\"                 | malformed JSON in the body at line 1",
                "[\"user\"]                       | expected a JSON object in the body, got an"
                        + " array",
                "{\"user\": 1}                    | field 'user' must be a string, was a number",
                "{\"user\": \"1\"} trailing       | malformed JSON in the body",
                "{\"user\": \"1\", \"allowed\": 3} | field 'allowed' must be an array of strings",
                "{\"user\": \"1\", \"excludeSeen\": \"yes\"} | field 'excludeSeen' must be true or"
                        + " false",
            })
    void malformedJson_isRefused_sayingWhere(String body, String message) {
        MarketFixture.Answer a = f.postJson("/api/v1/models/movies/recommend", "carol", body);
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.body()).contains(message);
    }

    @Test
    void grantToAnUnknownPrincipal_isRefused_andNothingChanges() {
        int before = f.client("alice").grants("movies").size();
        MarketFixture.Answer a =
                f.call(
                        "PUT",
                        "/api/v1/models/movies/grants",
                        "alice",
                        "{\"grantee\": \"principal:nobody\", \"permission\": \"USE\"}"
                                .getBytes(StandardCharsets.UTF_8),
                        "application/json");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body()).contains("unknown principal 'nobody'");
        MarketFixture.Answer perm =
                f.call(
                        "PUT",
                        "/api/v1/models/movies/grants",
                        "alice",
                        "{\"grantee\": \"principal:bob\", \"permission\": \"OWN\"}"
                                .getBytes(StandardCharsets.UTF_8),
                        "application/json");
        assertThat(perm.body())
                .contains("permission must be one of [READ, USE, PUBLISH, ADMIN], was 'OWN'");
        assertThat(f.client("alice").grants("movies")).hasSize(before);
    }

    @Test
    void badTrafficWeights_areRefused_andTheSplitStaysAsItWas() {
        MarketFixture.Answer a =
                f.call(
                        "PUT",
                        "/api/v1/models/movies/traffic/production",
                        "alice",
                        "{\"weights\": {\"one\": 1}}".getBytes(StandardCharsets.UTF_8),
                        "application/json");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body()).contains("weights must be keyed by version numbers, was 'one'");
        MarketFixture.Answer negative =
                f.call(
                        "PUT",
                        "/api/v1/models/movies/traffic/production",
                        "alice",
                        "{\"weights\": {\"1\": -1}}".getBytes(StandardCharsets.UTF_8),
                        "application/json");
        assertThat(negative.status()).isEqualTo(400);
        assertThat(negative.body()).contains("weights must be finite and >= 0");
        assertThat(f.maas.trafficPolicy("movies", "production")).isEmpty();
    }

    // ---- uploads ----

    static Map<String, byte[]> recommenderFiles() {
        return TestArchives.files(f.recommenderDir);
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> maliciousPackages() {
        Map<String, byte[]> files = recommenderFiles();
        Map<String, byte[]> traversal = new LinkedHashMap<>(files);
        traversal.put("../escaped.txt", "gotcha".getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> deep = new LinkedHashMap<>(files);
        deep.put("a/../../escaped.txt", "gotcha".getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> absolute = new LinkedHashMap<>(files);
        absolute.put("/tmp/escaped.txt", "gotcha".getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> drive = new LinkedHashMap<>(files);
        drive.put("C:/escaped.txt", "gotcha".getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> backslash = new LinkedHashMap<>(files);
        backslash.put("..\\escaped.txt", "gotcha".getBytes(StandardCharsets.UTF_8));
        TestArchives.Tar symlink = new TestArchives.Tar();
        files.forEach((k, v) -> symlink.entry(k, '0', v, null));
        symlink.entry("link", '2', new byte[0], "/etc/passwd");
        TestArchives.Tar hardlink = new TestArchives.Tar();
        files.forEach((k, v) -> hardlink.entry(k, '0', v, null));
        hardlink.entry("hard", '1', new byte[0], "/etc/passwd");
        TestArchives.Tar twice = new TestArchives.Tar();
        files.forEach((k, v) -> twice.entry(k, '0', v, null));
        String first = files.keySet().iterator().next();
        twice.entry(first, '0', new byte[] {1}, null);
        Map<String, byte[]> bomb = new LinkedHashMap<>(files);
        bomb.put("zeros.bin", new byte[20 << 20]); // 20 MiB of zeros: about 20 KiB zipped
        Map<String, byte[]> noCard = Map.of("weights.bin", new byte[] {1, 2, 3});
        Map<String, byte[]> badCard = new LinkedHashMap<>();
        badCard.put("model-card.json", "{\"task\": ".getBytes(StandardCharsets.UTF_8));
        badCard.put("weights.bin", new byte[] {1});
        Map<String, byte[]> otherName = new LinkedHashMap<>();
        otherName.put(
                "model-card.json",
                "{\"name\": \"movies-lite\", \"task\": \"regression\", \"owner\": \"recs\"}"
                        .getBytes(StandardCharsets.UTF_8));
        otherName.put("weights.bin", new byte[] {1});
        Map<String, byte[]> hidden = new LinkedHashMap<>(files);
        hidden.put(".env", "SECRET=1".getBytes(StandardCharsets.UTF_8));
        return Stream.of(
                args(
                        "zip with ../",
                        TestArchives.zip(traversal),
                        400,
                        "'..' would leave the model folder"),
                args(
                        "tar with a/../../",
                        TestArchives.tar(deep),
                        400,
                        "'..' would leave the model folder"),
                args(
                        "zip with an absolute path",
                        TestArchives.zip(absolute),
                        400,
                        "its path is absolute"),
                args(
                        "zip with a drive letter",
                        TestArchives.zip(drive),
                        400,
                        "its path is absolute"),
                args(
                        "zip with a backslash",
                        TestArchives.zip(backslash),
                        400,
                        "backslashes are not allowed"),
                args(
                        "tar with a symbolic link",
                        symlink.finish(),
                        400,
                        "is a symbolic_link: a model package holds only files and folders"),
                args("tar with a hard link", hardlink.finish(), 400, "is a hard_link"),
                args("tar with a file twice", twice.finish(), 400, "appears twice"),
                args(
                        "zip bomb",
                        TestArchives.zip(bomb),
                        400,
                        "unpacks to more than 16777216 bytes"),
                args(
                        "not an archive",
                        "hello".getBytes(StandardCharsets.UTF_8),
                        400,
                        "not a zip, tar or tar.gz archive"),
                args("empty zip", TestArchives.zip(Map.of()), 400, "holds no files"),
                args(
                        "truncated tar.gz",
                        java.util.Arrays.copyOf(TestArchives.gzip(TestArchives.tar(files)), 200),
                        400,
                        "truncated or corrupt"),
                args(
                        "no card, no recommender",
                        TestArchives.zip(noCard),
                        400,
                        "has no model-card.json and is not a recommender folder"),
                args(
                        "malformed card",
                        TestArchives.zip(badCard),
                        400,
                        "malformed JSON in model-card.json"),
                args(
                        "card naming another model",
                        TestArchives.zip(otherName),
                        400,
                        "names model \\\"movies-lite\\\" but the package is published as 'movies'"),
                args("hidden file", TestArchives.zip(hidden), 400, "reserved artifact name: .env"),
                args(
                        "over the body limit",
                        new byte[(int) LIMIT + 1],
                        413,
                        "than the server accepts (1048576 bytes)"));
    }

    private static org.junit.jupiter.params.provider.Arguments args(
            String what, byte[] body, int status, String message) {
        return org.junit.jupiter.params.provider.Arguments.of(what, body, status, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maliciousPackages")
    void maliciousOrBrokenUploads_areRefused_andNothingIsPublished(
            String what, byte[] body, int status, String message) {
        MarketFixture.Answer a =
                f.call("POST", "/api/v1/models/movies/versions", "alice", body, "application/zip");
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.body()).contains(message);
        if (status == 400) {
            assertThat(a.body()).contains("nothing was published");
        }
        assertThat(f.maas.versions("movies")).hasSize(2);
        assertThat(f.maas.resolve(ModelRef.latest("movies")).version()).isEqualTo(2);
        assertThat(dir.resolve("escaped.txt")).doesNotExist();
        assertThat(Path.of(System.getProperty("java.io.tmpdir"), "escaped.txt")).doesNotExist();
    }

    @Test
    void uploadByAReader_isRefused_andByAnonymous_needsSignIn() {
        byte[] zip = TestArchives.zip(recommenderFiles());
        MarketFixture.Answer bob =
                f.call("POST", "/api/v1/models/movies/versions", "bob", zip, "application/zip");
        assertThat(bob.status()).isEqualTo(403);
        assertThat(bob.body())
                .contains("may not publish to model 'movies': needs PUBLISH, has USE");
        MarketFixture.Answer anonymous =
                f.call("POST", "/api/v1/models/movies/versions", null, zip, "application/zip");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.body()).contains("sign in to publish");
        MarketFixture.Answer badName =
                f.call(
                        "POST",
                        "/api/v1/models/Bad%20Name/versions",
                        "alice",
                        zip,
                        "application/zip");
        assertThat(badName.status()).isEqualTo(400);
        assertThat(badName.body()).contains("invalid model name 'Bad Name'");
    }
}
