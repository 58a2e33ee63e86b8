package dev.maas.repository;

import static dev.maas.repository.RepoFixtures.leftovers;
import static dev.maas.repository.RepoFixtures.pkg;
import static dev.maas.repository.RepoFixtures.sha256;
import static dev.maas.repository.RepoFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.maas.ChecksumMismatchException;
import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.RepositoryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileSystemModelRepositoryTest {
    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05.123456Z");

    @TempDir Path tmp;
    private Path root;
    private FileSystemModelRepository repo;

    @BeforeEach
    void open() throws IOException {
        root = Files.createDirectories(tmp.resolve("repo"));
        repo = new FileSystemModelRepository(root, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private Path versionDir(String name, int version) {
        return root.resolve("models").resolve(name).resolve(Integer.toString(version));
    }

    // ---- versions and aliases ----

    @Test
    void publish_assignsConsecutiveVersions_withChecksumsOfTheSourceFiles() {
        Path src = RepoFixtures.packageDir(tmp, "one");
        ModelCard v1 =
                repo.publish(
                        ModelPackage.of(ModelCard.builder("ranker").task("rank").build(), src));
        ModelCard v2 = repo.publish(pkg(tmp, "ranker", "two"));

        assertThat(v1.version()).isEqualTo(1);
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v1.createdAt()).isEqualTo(NOW);
        assertThat(v1.artifacts())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                "weights.bin", sha256(src.resolve("weights.bin")),
                                "extra/vocab.txt", sha256(src.resolve("extra/vocab.txt"))));
        assertThat(versionDir("ranker", 1).resolve("extra/vocab.txt"))
                .hasSameBinaryContentAs(src.resolve("extra/vocab.txt"));
        assertThat(repo.versions("ranker")).containsExactly(v1, v2);
        assertThat(repo.names()).containsExactly("ranker");
    }

    @Test
    void resolve_latestIsHighestVersion_andEveryVersionStaysResolvableByNumber() {
        for (int i = 1; i <= 3; i++) {
            repo.publish(pkg(tmp, "m", "v" + i));
        }
        assertThat(repo.resolve(ModelRef.parse("m")).version()).isEqualTo(3);
        for (int i = 1; i <= 3; i++) {
            ModelCard card = repo.resolve(ModelRef.of("m", i));
            assertThat(card.version()).isEqualTo(i);
            assertThat(card.description()).isEqualTo("v" + i);
        }
    }

    @Test
    void setAlias_movesProduction_oldVersionStillResolvableByNumber() {
        repo.publish(pkg(tmp, "m", "first"));
        repo.publish(pkg(tmp, "m", "second"));

        repo.setAlias("m", "production", 1);
        assertThat(repo.resolve(ModelRef.parse("m@production")).description()).isEqualTo("first");

        repo.setAlias("m", "production", 2);
        repo.setAlias("m", "staging", 1);
        assertThat(repo.resolve(ModelRef.parse("m@production")).version()).isEqualTo(2);
        assertThat(repo.resolve(ModelRef.parse("m@staging")).version()).isEqualTo(1);
        assertThat(repo.resolve(ModelRef.parse("m:1")).description()).isEqualTo("first");
        assertThat(repo.aliases("m")).isEqualTo(Map.of("production", 2, "staging", 1));

        // A second instance on the same folder (another process) sees the same aliases.
        assertThat(new FileSystemModelRepository(root).aliases("m"))
                .isEqualTo(Map.of("production", 2, "staging", 1));
    }

    @Test
    void removeAlias_reportsWhetherItExisted() {
        repo.publish(pkg(tmp, "m", "x"));
        repo.setAlias("m", "production", 1);
        assertThat(repo.removeAlias("m", "production")).isTrue();
        assertThat(repo.removeAlias("m", "production")).isFalse();
        assertThat(repo.aliases("m")).isEmpty();
    }

    @Test
    void delete_refusedWhileAliased_namingTheAlias_allowedAfterItMoves() {
        repo.publish(pkg(tmp, "m", "first"));
        repo.publish(pkg(tmp, "m", "second"));
        repo.setAlias("m", "production", 1);
        repo.setAlias("m", "champion", 1);

        assertThatThrownBy(() -> repo.delete("m", 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("m:1")
                .hasMessageContaining("production")
                .hasMessageContaining("champion");
        assertThat(repo.resolve(ModelRef.of("m", 1)).description()).isEqualTo("first");
        assertThat(versionDir("m", 1)).isDirectory();

        repo.setAlias("m", "production", 2);
        repo.removeAlias("m", "champion");
        repo.delete("m", 1);

        assertThat(repo.versions("m")).extracting(ModelCard::version).containsExactly(2);
        assertThat(versionDir("m", 1)).doesNotExist();
        assertThat(leftovers(root)).isEmpty();
        assertThatThrownBy(() -> repo.resolve(ModelRef.of("m", 1)))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("version 1")
                .hasMessageContaining("[2]");
    }

    @Test
    void delete_versionNumbersAreNeverReused_evenAfterDeletingTheLatest() {
        repo.publish(pkg(tmp, "m", "1"));
        repo.publish(pkg(tmp, "m", "2"));
        repo.publish(pkg(tmp, "m", "3"));
        repo.delete("m", 3);
        assertThat(repo.publish(pkg(tmp, "m", "4")).version()).isEqualTo(4);
        repo.delete("m", 4);
        repo.delete("m", 2);

        // A fresh instance (a restarted process) continues the sequence too.
        FileSystemModelRepository reopened = new FileSystemModelRepository(root);
        assertThat(reopened.publish(pkg(tmp, "m", "5")).version()).isEqualTo(5);
        assertThat(reopened.versions("m")).extracting(ModelCard::version).containsExactly(1, 5);
    }

    @Test
    void delete_lastVersion_removesTheModelFromNames() {
        repo.publish(pkg(tmp, "gone", "x"));
        repo.publish(pkg(tmp, "kept", "y"));
        repo.delete("gone", 1);
        assertThat(repo.names()).containsExactly("kept");
        assertThatThrownBy(() -> repo.versions("gone"))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("'gone'")
                .hasMessageContaining("kept");
        // The number is not reused when the model is published again.
        assertThat(repo.publish(pkg(tmp, "gone", "z")).version()).isEqualTo(2);
    }

    // ---- integrity ----

    @Test
    void verifiedArtifacts_flippedByte_throwsChecksumMismatchNamingFileAndBothHashes()
            throws IOException {
        ModelCard v1 = repo.publish(pkg(tmp, "m", "good"));
        Path src2 = RepoFixtures.packageDir(tmp, "to be corrupted");
        ModelCard v2 = repo.publish(ModelPackage.of(ModelCard.builder("m").build(), src2));

        Path stored = versionDir("m", 2).resolve("weights.bin");
        byte[] bytes = Files.readAllBytes(stored);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(stored, bytes);
        String expected = sha256(src2.resolve("weights.bin"));
        String found = sha256(stored);
        assertThat(found).isNotEqualTo(expected);

        ChecksumMismatchException e =
                catchThrowableOfType(
                        ChecksumMismatchException.class, () -> repo.verifiedArtifacts(v2));
        assertThat(e.file()).isEqualTo(stored);
        assertThat(e.getMessage())
                .contains("m:2")
                .contains("weights.bin")
                .contains("expected SHA-256 " + expected)
                .contains("found " + found);

        // The older version is untouched and still verifies.
        assertThat(repo.verifiedArtifacts(v1)).isEqualTo(versionDir("m", 1));
    }

    @Test
    void verifiedArtifacts_missingFile_throwsMalformedModelNamingIt() throws IOException {
        ModelCard v1 = repo.publish(pkg(tmp, "m", "x"));
        Files.delete(versionDir("m", 1).resolve("extra/vocab.txt"));
        assertThatThrownBy(() -> repo.verifiedArtifacts(v1))
                .isExactlyInstanceOf(MalformedModelException.class)
                .hasMessageContaining("extra/vocab.txt")
                .hasMessageContaining("m:1")
                .hasMessageContaining("missing");
    }

    @Test
    void verifiedArtifacts_rejectsFilesTheCardDoesNotList() throws IOException {
        ModelCard v1 = repo.publish(pkg(tmp, "m", "x"));
        Files.writeString(versionDir("m", 1).resolve("injected.pt"), "not published");
        assertThatThrownBy(() -> repo.verifiedArtifacts(v1))
                .isExactlyInstanceOf(MalformedModelException.class)
                .hasMessageContaining("injected.pt")
                .hasMessageContaining("not recorded");
    }

    // ---- crash safety ----

    @Test
    void publish_secondSourceFileVanishes_leavesNoPartialVersion_andNextPublishSucceeds()
            throws IOException {
        repo.publish(pkg(tmp, "m", "v1"));
        TreeMap<String, String> before = snapshot(root);

        Path src = Files.createDirectories(tmp.resolve("half"));
        Files.writeString(src.resolve("a-first.bin"), "first file, copied fine");
        Files.writeString(src.resolve("b-second.bin"), "second file, gone before publish");
        ModelPackage pkg =
                ModelPackage.builder(ModelCard.builder("m").build())
                        .file("a-first.bin", src.resolve("a-first.bin"))
                        .file("b-second.bin", src.resolve("b-second.bin"))
                        .build();
        Files.delete(src.resolve("b-second.bin"));

        assertThatThrownBy(() -> repo.publish(pkg))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("cannot publish model 'm'")
                .hasMessageContaining("b-second.bin")
                .hasMessageContaining(src.resolve("b-second.bin").toString());

        assertThat(snapshot(root)).isEqualTo(before);
        assertThat(leftovers(root)).isEmpty();
        assertThat(repo.versions("m")).extracting(ModelCard::version).containsExactly(1);
        assertThat(repo.publish(pkg(tmp, "m", "v2")).version()).isEqualTo(2);
    }

    @Test
    void publish_readFailsMidCopy_leavesNoPartialVersion() throws IOException {
        repo.publish(pkg(tmp, "m", "v1"));
        TreeMap<String, String> before = snapshot(root);

        Path src = Files.createDirectories(tmp.resolve("mid"));
        Files.write(src.resolve("a.bin"), new byte[1 << 20]);
        Files.writeString(src.resolve("b.bin"), "replaced by a folder below");
        ModelPackage pkg =
                ModelPackage.builder(ModelCard.builder("m").build())
                        .file("a.bin", src.resolve("a.bin"))
                        .file("b.bin", src.resolve("b.bin"))
                        .build();
        // Opening a folder as a stream succeeds on Linux, reading it fails: the target file has
        // already been created when the copy breaks.
        Files.delete(src.resolve("b.bin"));
        Files.createDirectory(src.resolve("b.bin"));

        assertThatThrownBy(() -> repo.publish(pkg))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("b.bin");
        assertThat(snapshot(root)).isEqualTo(before);
        assertThat(repo.publish(pkg(tmp, "m", "v2")).version()).isEqualTo(2);
    }

    @Test
    void publish_firstVersionFails_modelStaysUnknown_andNoFoldersRemain() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("new"));
        Files.writeString(src.resolve("w.bin"), "x");
        ModelPackage pkg = ModelPackage.of(ModelCard.builder("fresh").build(), src);
        Files.delete(src.resolve("w.bin"));

        assertThatThrownBy(() -> repo.publish(pkg)).isInstanceOf(RepositoryException.class);
        assertThat(repo.names()).isEmpty();
        // The repository's own two folders, made by the first publish, and nothing of the model.
        assertThat(snapshot(root)).containsOnlyKeys("", ".tmp", "models");
        assertThat(snapshot(root.resolve("models"))).containsOnlyKeys("");
        assertThat(snapshot(root.resolve(".tmp"))).containsOnlyKeys("");
    }

    @Test
    void leftoversOfACrashedPublish_areInvisible_andDoNotBlockTheNextVersion() throws IOException {
        repo.publish(pkg(tmp, "m", "v1"));
        // What a process killed during publish leaves: a temporary folder with files and a card,
        // and a numbered folder without a card (written by hand or by an older layout).
        Path crashed = Files.createDirectories(root.resolve(".tmp/.publish-m-crashed"));
        Files.writeString(crashed.resolve("weights.bin"), "half");
        Files.copy(
                versionDir("m", 1).resolve(ModelPackage.CARD_FILE),
                crashed.resolve(ModelPackage.CARD_FILE));
        Files.createDirectories(versionDir("m", 2).resolve("partial"));

        assertThat(repo.versions("m")).extracting(ModelCard::version).containsExactly(1);
        assertThat(repo.names()).containsExactly("m");
        // Version 2's number is taken by the stray folder: the next version is 3, not a merge.
        ModelCard next = repo.publish(pkg(tmp, "m", "v3"));
        assertThat(next.version()).isEqualTo(3);
        assertThat(repo.verifiedArtifacts(next)).isEqualTo(versionDir("m", 3));
    }

    @Test
    void open_removesTemporaryFoldersAbandonedForADay_keepsRecentOnes() throws IOException {
        Path old = Files.createDirectories(root.resolve(".tmp/.publish-m-old/sub"));
        Files.writeString(old.resolve("w.bin"), "x");
        Path recent = Files.createDirectories(root.resolve(".tmp/.publish-m-recent"));
        java.nio.file.attribute.FileTime twoDaysAgo =
                java.nio.file.attribute.FileTime.from(
                        Instant.now().minus(java.time.Duration.ofDays(2)));
        try (var walk = Files.walk(root.resolve(".tmp/.publish-m-old"))) {
            for (Path p : walk.toList()) {
                Files.setLastModifiedTime(p, twoDaysAgo);
            }
        }

        new FileSystemModelRepository(root);

        assertThat(root.resolve(".tmp/.publish-m-old")).doesNotExist();
        assertThat(recent).isDirectory();
    }

    // ---- names and paths ----

    @ParameterizedTest
    @ValueSource(
            strings = {
                "../x", "a/b", "a\\b", "", "Upper", ".hidden", "..", "x y", "-dash", "a:1", "/abs"
            })
    void invalidNames_rejectedBeforeTouchingDisk(String bad) {
        repo.publish(pkg(tmp, "ok", "x"));
        TreeMap<String, String> before = snapshot(tmp);

        assertThatThrownBy(() -> ModelCard.builder(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid model name")
                .hasMessageContaining(ModelRef.NAME_PATTERN);
        assertThatThrownBy(() -> repo.versions(bad)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> repo.aliases(bad)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> repo.delete(bad, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> repo.setAlias(bad, "production", 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> repo.removeAlias(bad, "production"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> repo.setAlias("ok", bad, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid alias");
        assertThatThrownBy(() -> repo.removeAlias("ok", bad))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelRef.latest(bad)).isInstanceOf(IllegalArgumentException.class);

        assertThat(snapshot(tmp)).isEqualTo(before);
        assertThat(repo.aliases("ok")).isEmpty();
    }

    @Test
    void tooLongName_rejectedWithItsLength() {
        String longName = "a".repeat(200);
        assertThatThrownBy(() -> repo.versions(longName))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("length 200")
                .hasMessageContaining(ModelRef.NAME_PATTERN);
        // 128 characters is the limit and is accepted.
        assertThat(repo.publish(pkg(tmp, "b".repeat(128), "x")).version()).isEqualTo(1);
        assertThat(root.resolve("models").resolve(longName)).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "../x",
                "a/../../x",
                "a/..",
                "./a",
                "a//b",
                "/etc/passwd",
                "C:/x",
                "..\\x",
                "",
                "model-card.json",
                ".lock"
            })
    void artifactPaths_escapingOrReserved_rejected(String bad) throws IOException {
        Path src = Files.writeString(tmp.resolve("f.bin"), "x");
        assertThatThrownBy(
                        () -> ModelPackage.builder(ModelCard.builder("m").build()).file(bad, src))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("artifact");
    }

    @Test
    void verifiedArtifacts_cardWithEscapingPath_rejected() {
        ModelCard forged =
                ModelCard.builder("m")
                        .version(1)
                        .artifacts(Map.of("../../../secret", "00"))
                        .build();
        repo.publish(pkg(tmp, "m", "x"));
        assertThatThrownBy(() -> repo.verifiedArtifacts(forged))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("../../../secret");
    }

    // ---- not found ----

    @Test
    void unknownModel_listsTheModelsThatExist() {
        assertThatThrownBy(() -> repo.resolve(ModelRef.parse("ghost")))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("'ghost'")
                .hasMessageContaining("models: none");
        repo.publish(pkg(tmp, "beta", "b"));
        repo.publish(pkg(tmp, "alpha", "a"));
        assertThatThrownBy(() -> repo.resolve(ModelRef.parse("ghost:1")))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("models: alpha, beta");
        assertThatThrownBy(() -> repo.versions("ghost"))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("alpha, beta");
        assertThatThrownBy(() -> repo.aliases("ghost"))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("alpha, beta");
        assertThatThrownBy(() -> repo.delete("ghost", 1))
                .isInstanceOf(ModelNotFoundException.class);
        assertThatThrownBy(() -> repo.removeAlias("ghost", "production"))
                .isInstanceOf(ModelNotFoundException.class);
        // Asking about an unknown model leaves no trace on disk.
        assertThat(root.resolve("models/ghost")).doesNotExist();
    }

    @Test
    void unknownVersionOrAlias_listsWhatExists() {
        repo.publish(pkg(tmp, "m", "1"));
        repo.publish(pkg(tmp, "m", "2"));
        repo.setAlias("m", "production", 2);
        assertThatThrownBy(() -> repo.resolve(ModelRef.of("m", 7)))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("version 7 of model 'm'")
                .hasMessageContaining("versions: [1, 2]");
        assertThatThrownBy(() -> repo.resolve(ModelRef.alias("m", "staging")))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("alias 'staging' of model 'm'")
                .hasMessageContaining("production=2");
        assertThatThrownBy(() -> repo.setAlias("m", "staging", 9))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("versions: [1, 2]");
        assertThatThrownBy(() -> repo.delete("m", 9))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("versions: [1, 2]");
        assertThat(repo.aliases("m")).isEqualTo(Map.of("production", 2));
    }

    // ---- cards ----

    @Test
    void publish_keepsEveryCardField_andResolveReturnsItUnchanged() {
        ModelCard template = CardCodecTest.fullCard().toBuilder().version(0).build();
        ModelCard stored =
                repo.publish(ModelPackage.of(template, RepoFixtures.packageDir(tmp, "full")));
        assertThat(stored.toBuilder().version(0).createdAt(null).artifacts(Map.of()).build())
                .isEqualTo(template.toBuilder().createdAt(null).artifacts(Map.of()).build());
        assertThat(new FileSystemModelRepository(root).resolve(stored.ref())).isEqualTo(stored);
    }

    @Test
    void corruptCard_throwsMalformedModelNamingTheFile() throws IOException {
        repo.publish(pkg(tmp, "m", "x"));
        Path card = versionDir("m", 1).resolve(ModelPackage.CARD_FILE);
        Files.writeString(card, "{ \"name\": \"m\", \"version\": ");
        assertThatThrownBy(() -> repo.resolve(ModelRef.of("m", 1)))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("malformed model card")
                .hasMessageContaining(card.toString());
        // A listing goes on: the broken version is reported, not thrown.
        assertThat(repo.versions("m")).isEmpty();
        assertThat(repo.listing("m"))
                .singleElement()
                .satisfies(
                        v -> {
                            assertThat(v.isReadable()).isFalse();
                            assertThat(v.problem())
                                    .contains("version 1 of model 'm' is broken")
                                    .contains(card.toString());
                        });
    }

    @Test
    void cardOfAnotherVersion_throwsMalformedModel() throws IOException {
        repo.publish(pkg(tmp, "m", "x"));
        repo.publish(pkg(tmp, "m", "y"));
        Path card2 = versionDir("m", 2).resolve(ModelPackage.CARD_FILE);
        Files.copy(
                versionDir("m", 1).resolve(ModelPackage.CARD_FILE),
                card2,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> repo.resolve(ModelRef.of("m", 2)))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining(card2.toString())
                .hasMessageContaining("m:1");
    }

    @Test
    void corruptAliasesFile_throwsRepositoryExceptionNamingIt() throws IOException {
        repo.publish(pkg(tmp, "m", "x"));
        Path aliases = root.resolve("models/m/aliases.properties");
        Files.writeString(aliases, "production=one\n");
        assertThatThrownBy(() -> repo.aliases("m"))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining(aliases.toString())
                .hasMessageContaining("production");
    }

    @Test
    void names_ignoresFoldersThatAreNotModels() throws IOException {
        repo.publish(pkg(tmp, "m", "x"));
        Path foreign = Files.createDirectories(root.resolve("models/Not A Model/1"));
        Files.copy(
                versionDir("m", 1).resolve(ModelPackage.CARD_FILE),
                foreign.resolve(ModelPackage.CARD_FILE));
        Files.createDirectories(root.resolve("models/empty"));
        Files.writeString(root.resolve("models/stray.txt"), "x");
        assertThat(repo.names()).isEqualTo(List.of("m"));
    }
}
