package dev.maas.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.RepositoryException;
import dev.maas.repository.ListedVersion;
import dev.maas.repository.ModelRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ModelRepository} must do, as one suite run against each implementation: a
 * subclass says how to open a fresh, empty repository. Versions, aliases, deletes, artifacts, model
 * and store documents, concurrent publishes and updates, and text that must be stored literally.
 */
public abstract class ModelRepositoryContract {
    /** Text with SQL, JSON and pattern syntax, quotes and non-ASCII, to be kept as it is. */
    protected static final String HOSTILE =
            "O'Reilly \"quoted\" '; DROP TABLE versions; -- % _ \\ */ {\"a\":1} $1 ünïcödé";

    @TempDir protected Path tmp;
    protected ModelRepository repo;

    /**
     * Opens a fresh, empty repository for one test; {@code scratch} is a folder the test owns.
     * Closed after the test if it is {@link AutoCloseable}.
     */
    protected abstract ModelRepository open(Path scratch) throws Exception;

    @BeforeEach
    void openRepository() throws Exception {
        repo = open(Files.createDirectories(tmp.resolve("store")));
    }

    @AfterEach
    void closeRepository() throws Exception {
        if (repo instanceof AutoCloseable c) {
            c.close();
        }
    }

    /** Writes a package folder of two files (one nested) whose content depends on {@code seed}. */
    protected Path packageDir(String seed) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "pkg-");
        Files.writeString(dir.resolve("weights.bin"), "weights of " + seed);
        Files.createDirectories(dir.resolve("extra"));
        Files.writeString(dir.resolve("extra/vocab.txt"), "vocab of " + seed + "\n");
        return dir;
    }

    protected ModelPackage pkg(String name, String seed) throws IOException {
        return ModelPackage.of(
                ModelCard.builder(name).task("test").description(seed).build(), packageDir(seed));
    }

    protected static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- versions ----

    @Test
    void publish_assignsConsecutiveVersions_withChecksumsOfTheFiles() throws IOException {
        Path src = packageDir("one");
        ModelCard v1 =
                repo.publish(
                        ModelPackage.of(ModelCard.builder("ranker").task("rank").build(), src));
        ModelCard v2 = repo.publish(pkg("ranker", "two"));

        assertThat(v1.version()).isEqualTo(1);
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v1.createdAt()).isNotNull();
        assertThat(v1.artifacts())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                "weights.bin", sha256(src.resolve("weights.bin")),
                                "extra/vocab.txt", sha256(src.resolve("extra/vocab.txt"))));
        assertThat(repo.versions("ranker")).containsExactly(v1, v2);
        assertThat(repo.listing("ranker"))
                .containsExactly(ListedVersion.of(v1), ListedVersion.of(v2));
        assertThat(repo.names()).containsExactly("ranker");
    }

    @Test
    void names_areSorted() throws IOException {
        repo.publish(pkg("zeta", "z"));
        repo.publish(pkg("alpha", "a"));
        repo.publish(pkg("m.id-1_x", "m"));
        assertThat(repo.names()).containsExactly("alpha", "m.id-1_x", "zeta");
    }

    @Test
    void resolve_latestFixedVersionAndAlias() throws IOException {
        for (int i = 1; i <= 3; i++) {
            repo.publish(pkg("m", "v" + i));
        }
        repo.setAlias("m", "production", 2);
        assertThat(repo.resolve(ModelRef.parse("m")).version()).isEqualTo(3);
        assertThat(repo.resolve(ModelRef.parse("m:1")).description()).isEqualTo("v1");
        assertThat(repo.resolve(ModelRef.parse("m@production")).version()).isEqualTo(2);
        assertThat(repo.resolve(ModelRef.parse("m@production")))
                .isEqualTo(repo.resolve(ModelRef.of("m", 2)));
    }

    @Test
    void resolve_unknownModelVersionOrAlias_throwsModelNotFound() throws IOException {
        repo.publish(pkg("m", "v1"));
        repo.setAlias("m", "staging", 1);
        assertThatThrownBy(() -> repo.resolve(ModelRef.parse("nothing")))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("'nothing'");
        assertThatThrownBy(() -> repo.resolve(ModelRef.parse("m:7")))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("version 7");
        assertThatThrownBy(() -> repo.resolve(ModelRef.parse("m@production")))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("production")
                .hasMessageContaining("staging");
        assertThatThrownBy(() -> repo.versions("nothing"))
                .isInstanceOf(ModelNotFoundException.class);
        assertThatThrownBy(() -> repo.aliases("nothing"))
                .isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void publish_failing_storesNothing_andTheNextPublishGetsTheNextVersion() throws IOException {
        repo.publish(pkg("m", "v1"));
        ModelPackage broken =
                ModelPackage.builder(ModelCard.builder("m").build())
                        .file("weights.bin", packageDir("ok").resolve("weights.bin"))
                        .file("missing.bin", tmp.resolve("does-not-exist"))
                        .build();
        assertThatThrownBy(() -> repo.publish(broken)).isInstanceOf(RepositoryException.class);
        ModelPackage brandNew =
                ModelPackage.builder(ModelCard.builder("fresh").build())
                        .file("missing.bin", tmp.resolve("does-not-exist"))
                        .build();
        assertThatThrownBy(() -> repo.publish(brandNew)).isInstanceOf(RepositoryException.class);

        assertThat(repo.names()).containsExactly("m");
        assertThat(repo.versions("m")).extracting(ModelCard::version).containsExactly(1);
        assertThat(repo.publish(pkg("m", "v2")).version()).isEqualTo(2);
    }

    // ---- aliases ----

    @Test
    void setAlias_movesAndRemoveAlias_saysWhetherItExisted() throws IOException {
        repo.publish(pkg("m", "v1"));
        repo.publish(pkg("m", "v2"));
        repo.setAlias("m", "production", 1);
        repo.setAlias("m", "staging", 2);
        repo.setAlias("m", "production", 2);
        assertThat(repo.aliases("m")).isEqualTo(Map.of("production", 2, "staging", 2));
        assertThat(repo.removeAlias("m", "staging")).isTrue();
        assertThat(repo.removeAlias("m", "staging")).isFalse();
        assertThat(repo.aliases("m")).isEqualTo(Map.of("production", 2));
    }

    @Test
    void setAlias_toMissingVersion_throwsModelNotFound_andLeavesTheAlias() throws IOException {
        repo.publish(pkg("m", "v1"));
        repo.setAlias("m", "production", 1);
        assertThatThrownBy(() -> repo.setAlias("m", "production", 5))
                .isInstanceOf(ModelNotFoundException.class);
        assertThatThrownBy(() -> repo.setAlias("other", "production", 1))
                .isInstanceOf(ModelNotFoundException.class);
        assertThat(repo.aliases("m")).isEqualTo(Map.of("production", 1));
    }

    @Test
    void setAlias_malformedAlias_isRefusedBeforeAnythingIsStored() throws IOException {
        repo.publish(pkg("m", "v1"));
        assertThatThrownBy(() -> repo.setAlias("m", "prod'; --", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alias");
        assertThat(repo.aliases("m")).isEmpty();
    }

    // ---- deletes ----

    @Test
    void delete_removesTheVersion_andItsNumberIsNeverReused() throws IOException {
        repo.publish(pkg("m", "v1"));
        repo.publish(pkg("m", "v2"));
        repo.delete("m", 2);
        assertThat(repo.versions("m")).extracting(ModelCard::version).containsExactly(1);
        assertThatThrownBy(() -> repo.resolve(ModelRef.of("m", 2)))
                .isInstanceOf(ModelNotFoundException.class);
        assertThat(repo.publish(pkg("m", "v3")).version()).isEqualTo(3);
        assertThatThrownBy(() -> repo.delete("m", 2)).isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void delete_aliasedVersion_isRefusedNamingTheAlias() throws IOException {
        repo.publish(pkg("m", "v1"));
        repo.setAlias("m", "production", 1);
        assertThatThrownBy(() -> repo.delete("m", 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("production");
        assertThat(repo.versions("m")).hasSize(1);
    }

    @Test
    void delete_lastVersion_removesTheModelFromNames() throws IOException {
        repo.publish(pkg("m", "v1"));
        repo.publish(pkg("k", "v1"));
        repo.delete("m", 1);
        assertThat(repo.names()).containsExactly("k");
        assertThatThrownBy(() -> repo.versions("m")).isInstanceOf(ModelNotFoundException.class);
    }

    // ---- artifacts ----

    @Test
    void verifiedArtifacts_holdsEveryFileByItsName_withThePublishedBytes() throws IOException {
        Path src = packageDir("bytes");
        ModelCard card = repo.publish(ModelPackage.of(ModelCard.builder("m").build(), src));
        Path dir = repo.verifiedArtifacts(card);
        assertThat(dir.resolve("weights.bin")).hasSameBinaryContentAs(src.resolve("weights.bin"));
        assertThat(dir.resolve("extra/vocab.txt"))
                .hasSameBinaryContentAs(src.resolve("extra/vocab.txt"));
        // Asking again gives the same files.
        assertThat(repo.verifiedArtifacts(card).resolve("weights.bin"))
                .hasSameBinaryContentAs(src.resolve("weights.bin"));
    }

    @Test
    void verifiedArtifacts_identicalFilesInTwoVersions_bothVerify() throws IOException {
        Path src = packageDir("same");
        ModelCard v1 = repo.publish(ModelPackage.of(ModelCard.builder("m").build(), src));
        ModelCard v2 = repo.publish(ModelPackage.of(ModelCard.builder("m").build(), src));
        assertThat(v1.artifacts()).isEqualTo(v2.artifacts());
        assertThat(repo.verifiedArtifacts(v1).resolve("weights.bin"))
                .hasSameBinaryContentAs(src.resolve("weights.bin"));
        assertThat(repo.verifiedArtifacts(v2).resolve("weights.bin"))
                .hasSameBinaryContentAs(src.resolve("weights.bin"));
    }

    // ---- literal text ----

    @Test
    void cardText_withSqlSyntaxAndQuotes_isStoredAndReadBackLiterally() throws IOException {
        ModelCard template =
                ModelCard.builder("m")
                        .task("rank'ing")
                        .description(HOSTILE)
                        .owner("team \"x\"")
                        .tags("it's", "a%b", "drop table;--", "\\n")
                        .intendedUse("$$ dollar $$ quoting")
                        .property("k'", "v\"")
                        .build();
        ModelCard stored = repo.publish(ModelPackage.of(template, packageDir("t")));
        ModelCard read = repo.resolve(ModelRef.of("m", stored.version()));
        assertThat(read).isEqualTo(stored);
        assertThat(read.description()).isEqualTo(HOSTILE);
        assertThat(read.tags()).containsExactlyInAnyOrder("it's", "a%b", "drop table;--", "\\n");
        assertThat(read.properties()).containsEntry("k'", "v\"");
    }

    // ---- documents ----

    @Test
    void modelDocument_absentThenStoredThenRemoved() throws IOException {
        repo.publish(pkg("m", "v1"));
        assertThat(repo.modelDocument("m", "grants")).isNull();
        assertThat(repo.updateModelDocument("m", "grants", old -> "{\"v\":\"" + old + "\"}"))
                .isEqualTo("{\"v\":\"null\"}");
        assertThat(repo.modelDocument("m", "grants")).isEqualTo("{\"v\":\"null\"}");
        assertThat(repo.modelDocument("m", "usage")).isNull();
        assertThat(repo.updateModelDocument("m", "grants", old -> null)).isNull();
        assertThat(repo.modelDocument("m", "grants")).isNull();
    }

    @Test
    void modelDocument_ofUnknownModel_throwsModelNotFound() {
        assertThatThrownBy(() -> repo.modelDocument("nothing", "grants"))
                .isInstanceOf(ModelNotFoundException.class);
        assertThatThrownBy(() -> repo.updateModelDocument("nothing", "grants", old -> "{}"))
                .isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void document_malformedKind_isRefused() {
        assertThatThrownBy(() -> repo.document("../etc"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> repo.updateDocument("a'b", old -> "{}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void document_keepsHostileTextLiterally() {
        assertThat(repo.document("principals")).isNull();
        repo.updateDocument("principals", old -> HOSTILE);
        assertThat(repo.document("principals")).isEqualTo(HOSTILE);
    }

    @Test
    void document_failingUpdate_changesNothing() {
        repo.updateDocument("requests", old -> "1");
        assertThatThrownBy(
                        () ->
                                repo.updateDocument(
                                        "requests",
                                        old -> {
                                            throw new IllegalStateException("refused");
                                        }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("refused");
        assertThat(repo.document("requests")).isEqualTo("1");
    }

    @Test
    void documentUpdates_fromManyThreads_applyOneAfterTheOther() throws Exception {
        repo.publish(pkg("m", "v1"));
        int threads = 4;
        int each = 25;
        runConcurrently(
                threads,
                t -> {
                    for (int i = 0; i < each; i++) {
                        repo.updateModelDocument("m", "usage", old -> increment(old));
                        repo.updateDocument("counter", old -> increment(old));
                    }
                    return null;
                });
        assertThat(repo.modelDocument("m", "usage")).isEqualTo(Integer.toString(threads * each));
        assertThat(repo.document("counter")).isEqualTo(Integer.toString(threads * each));
    }

    private static String increment(String old) {
        return Integer.toString(old == null ? 1 : Integer.parseInt(old) + 1);
    }

    // ---- concurrency ----

    @Test
    void concurrentPublishes_getDistinctGapFreeVersions() throws Exception {
        int threads = 4;
        int each = 4;
        List<List<Integer>> got =
                runConcurrently(
                        threads,
                        t -> {
                            List<Integer> versions = new ArrayList<>();
                            for (int i = 0; i < each; i++) {
                                versions.add(repo.publish(pkg("m", t + "-" + i)).version());
                            }
                            return versions;
                        });
        Set<Integer> all = new TreeSet<>();
        got.forEach(all::addAll);
        assertThat(all)
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, threads * each).boxed().toList());
        assertThat(repo.versions("m")).hasSize(threads * each);
    }

    /** Something a test thread does; {@code thread} is its index. */
    @FunctionalInterface
    protected interface Work<T> {
        T run(int thread) throws Exception;
    }

    /** Runs {@code work} on {@code threads} threads at once and returns what each returned. */
    protected static <T> List<T> runConcurrently(int threads, Work<T> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int index = t;
                Callable<T> c =
                        () -> {
                            start.await();
                            return work.run(index);
                        };
                futures.add(pool.submit(c));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(2, TimeUnit.MINUTES));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Returns UTF-8 bytes, for subclasses writing files. */
    protected static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
