package dev.maas.repository;

import static dev.maas.repository.RepoFixtures.pkg;
import static dev.maas.repository.RepoFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.maas.MalformedModelException;
import dev.maas.ModelCard;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelPackage;
import dev.maas.ModelRef;
import dev.maas.RepositoryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A repository whose files were tampered with, or that other threads change under it: links out of
 * the root, corrupt counters and cards, special files in place of artifacts, versions deleted while
 * they are read. Each case must fail at once with an error naming what is wrong, touch nothing
 * outside the root, and leave the rest of the repository serving.
 */
class RepositoryTamperingTest {
    @TempDir Path tmp;

    private Path root() {
        return tmp.resolve("repo");
    }

    private Path modelDir(String name) {
        return root().resolve("models").resolve(name);
    }

    /** A folder outside the repository, with a file three days old, as a link's target. */
    private Path outsideWithOldFile() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path old = Files.writeString(outside.resolve("old.txt"), "keep me");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(3))));
        return outside;
    }

    // ---- links out of the root ----

    @Test
    void tmpFolderIsALink_openRefusesNamingIt_andDeletesNothingInTheTarget() throws IOException {
        Path outside = outsideWithOldFile();
        Files.createDirectories(root());
        Files.createSymbolicLink(root().resolve(".tmp"), outside);

        assertThatThrownBy(() -> new FileSystemModelRepository(root()))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining(root().resolve(".tmp").toString())
                .hasMessageContaining("symbolic link");
        assertThat(outside.resolve("old.txt")).hasContent("keep me");
    }

    @Test
    void modelsFolderIsALink_refused() throws IOException {
        Path outside = outsideWithOldFile();
        Files.createDirectories(root());
        Files.createSymbolicLink(root().resolve("models"), outside);

        assertThatThrownBy(() -> new FileSystemModelRepository(root()))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining(root().resolve("models").toString());
        assertThat(snapshot(outside)).containsOnlyKeys("", "old.txt");
    }

    @Test
    void modelFolderIsALink_publishAndReadsRefused_targetUntouched() throws IOException {
        Path outside = outsideWithOldFile();
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "other", "a"));
        Files.createSymbolicLink(modelDir("m"), outside);

        for (Runnable op :
                List.<Runnable>of(
                        () -> repo.publish(pkg(tmp, "m", "b")),
                        () -> repo.resolve(ModelRef.latest("m")),
                        () -> repo.aliases("m"),
                        () -> repo.delete("m", 1))) {
            assertThatThrownBy(op::run)
                    .isInstanceOf(RepositoryException.class)
                    .hasMessageContaining(modelDir("m").toString())
                    .hasMessageContaining("symbolic link");
        }
        assertThat(snapshot(outside)).containsOnlyKeys("", "old.txt");
        assertThat(repo.names()).containsExactly("other");
    }

    @Test
    void counterIsALink_publishRefused_withoutPrintingTheTargetsContent() throws IOException {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "s3cr3t-token");
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "m", "a"));
        Path counter = modelDir("m").resolve("last-version");
        Files.delete(counter);
        Files.createSymbolicLink(counter, secret);

        assertThatThrownBy(() -> repo.publish(pkg(tmp, "m", "b")))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining(counter.toString())
                .hasMessageContaining("symbolic link")
                .hasMessageNotContaining("s3cr3t");
        assertThat(secret).hasContent("s3cr3t-token");
        assertThat(repo.versions("m")).extracting(ModelCard::version).containsExactly(1);
    }

    @Test
    void aliasFileIsALink_refusedOnReadAndWrite_targetUntouched() throws IOException {
        Path target = Files.writeString(tmp.resolve("aliases-elsewhere"), "production=1\n");
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "m", "a"));
        Files.createSymbolicLink(modelDir("m").resolve("aliases.properties"), target);

        assertThatThrownBy(() -> repo.resolve(ModelRef.alias("m", "production")))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("aliases.properties");
        assertThatThrownBy(() -> repo.setAlias("m", "staging", 1))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("symbolic link");
        assertThat(target).hasContent("production=1\n");
        assertThat(repo.resolve(ModelRef.of("m", 1)).version()).isEqualTo(1);
    }

    @Test
    void versionFolderIsALink_reportedAsBroken_deleteRemovesOnlyTheLink() throws IOException {
        Path outside = outsideWithOldFile();
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "m", "a"));
        Files.createSymbolicLink(modelDir("m").resolve("2"), outside);

        assertThatThrownBy(() -> repo.resolve(ModelRef.of("m", 2)))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("version 2 of model 'm' is broken")
                .hasMessageContaining("a symbolic link");
        repo.delete("m", 2);
        assertThat(modelDir("m").resolve("2")).doesNotExist();
        assertThat(snapshot(outside)).containsOnlyKeys("", "old.txt");
        assertThat(repo.versions("m")).extracting(ModelCard::version).containsExactly(1);
    }

    // ---- version counter ----

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "2147483647", "-3", "1e3", ""})
    void corruptCounter_publishRefusedNamingTheFile_nothingStored(String content)
            throws IOException {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "m", "a"));
        Path counter = modelDir("m").resolve("last-version");
        Files.writeString(counter, content);
        TreeMap<String, String> before = snapshot(modelDir("m"));

        assertThatThrownBy(() -> repo.publish(pkg(tmp, "m", "b")))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("corrupt version counter " + counter)
                .hasMessageContaining("expected a version number from 0 to 999999999")
                .hasMessageContaining("nothing was stored");
        assertThat(snapshot(modelDir("m"))).isEqualTo(before);
    }

    @Test
    void counterAtTheLastVersion_refusesToHandOutAnUnreferenceableVersion() throws IOException {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "m", "a"));
        Files.writeString(modelDir("m").resolve("last-version"), "999999998");

        ModelCard last = repo.publish(pkg(tmp, "m", "b"));
        assertThat(last.version()).isEqualTo(ModelRef.MAX_VERSION);
        assertThat(repo.resolve(ModelRef.parse("m:999999999"))).isEqualTo(last);
        assertThatThrownBy(() -> repo.publish(pkg(tmp, "m", "c")))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("has used every version number up to 999999999");
        assertThat(repo.versions("m"))
                .extracting(ModelCard::version)
                .containsExactly(1, last.version());
    }

    @Test
    void versionRange_isTheSameForReferencesCardsAndRepository() {
        assertThatThrownBy(() -> ModelRef.of("m", 1_000_000_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 1 and 999999999");
        assertThatThrownBy(() -> ModelCard.builder("m").version(1_000_000_000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 0 and 999999999");
        assertThatThrownBy(() -> ModelRef.parse("m:1000000000"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ModelRef.parse("m:999999999").version()).isEqualTo(ModelRef.MAX_VERSION);
    }

    // ---- odd files in a version folder ----

    @Test
    void artifactReplacedByAFifo_refusedAtOnceNamingTheFile() throws Exception {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        ModelCard card = repo.publish(pkg(tmp, "m", "a"));
        Path weights = modelDir("m").resolve("1/weights.bin");
        Files.delete(weights);
        mkfifo(weights);

        assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () ->
                        assertThatThrownBy(() -> repo.verifiedArtifacts(card))
                                .isInstanceOf(MalformedModelException.class)
                                .hasMessageContaining("weights.bin")
                                .hasMessageContaining("special file")
                                .hasMessageContaining("only regular files are artifacts"));
    }

    @Test
    void artifactReplacedByALinkToDevZero_refusedAtOnce() throws Exception {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        ModelCard card = repo.publish(pkg(tmp, "m", "a"));
        Path weights = modelDir("m").resolve("1/weights.bin");
        Files.delete(weights);
        Files.createSymbolicLink(weights, Path.of("/dev/zero"));

        assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () ->
                        assertThatThrownBy(() -> repo.verifiedArtifacts(card))
                                .isInstanceOf(MalformedModelException.class)
                                .hasMessageContaining(weights.toString())
                                .hasMessageContaining("a symbolic link"));
    }

    @Test
    void cardReplacedByAFifo_reportedAsBroken_withoutBlocking() throws Exception {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "m", "a"));
        repo.publish(pkg(tmp, "m", "b"));
        Path card = modelDir("m").resolve("1").resolve(ModelPackage.CARD_FILE);
        Files.delete(card);
        mkfifo(card);

        assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> {
                    List<ListedVersion> listing = repo.listing("m");
                    assertThat(listing).extracting(ListedVersion::version).containsExactly(1, 2);
                    assertThat(listing.get(0).problem()).contains("special file");
                    assertThat(listing.get(1).isReadable()).isTrue();
                });
    }

    private static void mkfifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    // ---- cards that cannot be read ----

    @Test
    void deletedCard_listedAsBroken_andAnAliasToItSaysWhatIsBroken() throws IOException {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "m", "a"));
        repo.publish(pkg(tmp, "m", "b"));
        repo.publish(pkg(tmp, "m", "c"));
        repo.setAlias("m", "production", 2);
        Path card = modelDir("m").resolve("2").resolve(ModelPackage.CARD_FILE);
        Files.delete(card);

        List<ListedVersion> listing = repo.listing("m");
        assertThat(listing).extracting(ListedVersion::version).containsExactly(1, 2, 3);
        assertThat(listing.get(1).problem()).contains("its model card " + card + " is missing");
        assertThat(repo.versions("m")).extracting(ModelCard::version).containsExactly(1, 3);
        assertThatThrownBy(() -> repo.resolve(ModelRef.alias("m", "production")))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("alias 'production' of model 'm' points at version 2")
                .hasMessageContaining("is missing");
        // The version number stays taken, and a broken version can be deleted.
        assertThat(repo.publish(pkg(tmp, "m", "d")).version()).isEqualTo(4);
        repo.setAlias("m", "production", 3);
        repo.delete("m", 2);
        assertThat(repo.listing("m")).allMatch(ListedVersion::isReadable);
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "null", "[]", "{}", "BINARY"})
    void unreadableCard_listingGoesOn_andSaysWhy(String content) throws IOException {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "a", "x"));
        repo.publish(pkg(tmp, "m", "x"));
        repo.publish(pkg(tmp, "z", "x"));
        Path card = modelDir("m").resolve("1").resolve(ModelPackage.CARD_FILE);
        if (content.equals("BINARY")) {
            Files.write(card, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0xc3});
        } else {
            Files.writeString(card, content);
        }

        assertThat(repo.names()).containsExactly("a", "m", "z");
        ListedVersion v = repo.listing("m").get(0);
        assertThat(v.isReadable()).isFalse();
        assertThat(v.problem())
                .contains("version 1 of model 'm' is broken")
                .contains(card.toString())
                .contains(content.equals("BINARY") ? "not UTF-8 text" : "malformed model card");
        assertThat(repo.versions("z")).hasSize(1);
    }

    // ---- readers during deletes ----

    @Test
    void readersDuringDeletes_seeEachVersionWholeOrNotAtAll() throws Exception {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "m", "pinned"));
        repo.setAlias("m", "production", 1);
        int versions = 40;
        for (int i = 0; i < versions; i++) {
            repo.publish(pkg(tmp, "m", "v" + i));
        }
        AtomicBoolean done = new AtomicBoolean();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(
                        pool.submit(
                                () -> {
                                    int reads = 0;
                                    while (!done.get() || reads == 0) {
                                        try {
                                            for (ModelCard c : repo.versions("m")) {
                                                // A listed version is whole: its files verify.
                                                try {
                                                    repo.verifiedArtifacts(c);
                                                } catch (ModelNotFoundException gone) {
                                                    // deleted after the listing: fine
                                                }
                                            }
                                            assertThat(repo.listing("m"))
                                                    .allMatch(ListedVersion::isReadable);
                                            reads++;
                                        } catch (Throwable t) {
                                            failures.add(t);
                                            return reads;
                                        }
                                    }
                                    return reads;
                                }));
            }
            for (int v = 2; v <= versions + 1; v++) {
                repo.delete("m", v);
            }
            done.set(true);
            for (Future<Integer> f : readers) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).isEmpty();
        assertThat(repo.versions("m")).extracting(ModelCard::version).containsExactly(1);
        assertThat(RepoFixtures.leftovers(root())).isEmpty();
    }

    @Test
    void verifiedArtifacts_ofADeletedVersion_isModelNotFound() {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        ModelCard card = repo.publish(pkg(tmp, "m", "a"));
        repo.publish(pkg(tmp, "m", "b"));
        repo.delete("m", 1);

        assertThatThrownBy(() -> repo.verifiedArtifacts(card))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("version 1 of model 'm' not found");
    }

    // ---- what opening creates, and with which permissions ----

    @Test
    void opening_andReading_createNothing() {
        Path missing = tmp.resolve("no-repo-here");
        FileSystemModelRepository repo = new FileSystemModelRepository(missing);
        assertThat(repo.names()).isEmpty();
        assertThatThrownBy(() -> repo.resolve(ModelRef.latest("m")))
                .isInstanceOf(ModelNotFoundException.class);
        assertThatThrownBy(() -> repo.delete("m", 1)).isInstanceOf(ModelNotFoundException.class);
        assertThat(missing).doesNotExist();
    }

    @Test
    void rootThatIsAFileOrADevice_refusedWithTheReason() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertThatThrownBy(() -> new FileSystemModelRepository(file))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("cannot open model repository at " + file)
                .hasMessageContaining("it is a regular file, not a folder");
        assertThatThrownBy(() -> new FileSystemModelRepository(Path.of("/dev/null")))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("special file");
        assertThat(file).hasContent("x");
    }

    @Test
    void publish_createsEverythingOwnerOnly() throws IOException {
        FileSystemModelRepository repo = new FileSystemModelRepository(root());
        repo.publish(pkg(tmp, "m", "a"));
        repo.setAlias("m", "production", 1);

        try (Stream<Path> walk = Files.walk(root())) {
            for (Path p : walk.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                assertThat(mode)
                        .as("%s", p)
                        .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
            }
        }
    }

    @Test
    void publish_withGroupPermissions_usesExactlyThem() throws IOException {
        FileSystemModelRepository repo =
                new FileSystemModelRepository(
                        root(), Clock.systemUTC(), PosixFilePermissions.fromString("rwxrwx---"));
        repo.publish(pkg(tmp, "m", "a"));

        try (Stream<Path> walk = Files.walk(root())) {
            for (Path p : walk.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                assertThat(mode)
                        .as("%s", p)
                        .isEqualTo(Files.isDirectory(p) ? "rwxrwx---" : "rw-rw----");
            }
        }
        assertThatThrownBy(
                        () ->
                                new FileSystemModelRepository(
                                        root(),
                                        Clock.systemUTC(),
                                        PosixFilePermissions.fromString("r-x------")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rwx------");
    }
}
