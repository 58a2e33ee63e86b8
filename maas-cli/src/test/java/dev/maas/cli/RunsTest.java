package dev.maas.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunsTest {
    private static final Instant NOW = Instant.parse("2030-01-02T12:00:00Z");

    @TempDir Path tmp;

    private Runs runs() {
        return new Runs(tmp.resolve("runs"), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> list = Files.list(tmp.resolve("runs"))) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Path folder(Path dir, Instant modified) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("factors.bin");
        Files.write(file, new byte[64]);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        Files.setLastModifiedTime(dir, FileTime.from(modified));
        return dir;
    }

    @Test
    void stage_writeFailsHalfway_deletesThePartialFolder() throws IOException {
        Runs runs = runs();

        assertThatThrownBy(
                        () ->
                                runs.stage(
                                        "movies",
                                        folder -> {
                                            Files.write(
                                                    folder.resolve("factors.bin"), new byte[4096]);
                                            throw new IOException("No space left on device");
                                        }))
                .isInstanceOf(CliException.class)
                .hasMessageStartingWith("cannot save run 'movies' in " + runs.dir())
                .hasMessageEndingWith("No space left on device");
        assertThat(entries()).isEmpty();
    }

    @Test
    void stage_writerThrowsAnythingElse_deletesTheFolderAndRethrows() throws IOException {
        Runs runs = runs();
        IllegalStateException boom = new IllegalStateException("boom");

        assertThatThrownBy(
                        () ->
                                runs.stage(
                                        "movies",
                                        folder -> {
                                            Files.writeString(folder.resolve("a.txt"), "a");
                                            throw boom;
                                        }))
                .isSameAs(boom);
        assertThat(entries()).isEmpty();
    }

    @Test
    void close_deletesARunThatWasNotInstalled_andIsIdempotent() throws IOException {
        Runs runs = runs();
        Runs.Staged staged = runs.stage("movies", f -> Files.writeString(f.resolve("a"), "a"));
        assertThat(staged.folder()).isDirectory();

        staged.close();
        staged.close();

        assertThat(staged.folder()).doesNotExist();
        assertThatThrownBy(() -> runs.install(staged, run -> run))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("run 'movies' was CLOSED already");
    }

    @Test
    void install_replacesThePreviousRun_andTheActionSeesTheNewFiles() throws IOException {
        Runs runs = runs();
        try (Runs.Staged first =
                runs.stage("movies", f -> Files.writeString(f.resolve("a"), "1"))) {
            runs.install(first, run -> run);
        }

        String seen;
        try (Runs.Staged second =
                runs.stage("movies", f -> Files.writeString(f.resolve("a"), "2"))) {
            seen =
                    runs.install(
                            second,
                            run -> {
                                try {
                                    return Files.readString(run.resolve("a"));
                                } catch (IOException e) {
                                    throw new AssertionError(e);
                                }
                            });
            second.close(); // installed: nothing to delete
        }

        assertThat(seen).isEqualTo("2");
        assertThat(Files.readString(runs.path("movies").resolve("a"))).isEqualTo("2");
        assertThat(entries()).containsExactly(".lock", "movies");
    }

    @Test
    void purgeStale_removesLeftoversUntouchedForADay_only() throws IOException {
        Runs runs = runs();
        Path runsDir = runs.dir();
        Instant old = NOW.minus(Duration.ofDays(2));
        folder(runsDir.resolve(".movies-123"), old);
        folder(runsDir.resolve(".movies-replaced-abc"), old);
        // Recent leftovers may belong to a training that is writing now.
        folder(runsDir.resolve(".movies-456"), NOW.minus(Duration.ofHours(1)));
        // A leftover with one recent file is still in use.
        Path mixed = folder(runsDir.resolve(".movies-789"), old);
        Files.setLastModifiedTime(mixed.resolve("factors.bin"), FileTime.from(NOW));
        Files.setLastModifiedTime(mixed, FileTime.from(old));
        // Saved runs and the lock are never leftovers, however old.
        folder(runsDir.resolve("movies"), old);
        Files.writeString(runsDir.resolve(".lock"), "");
        Files.setLastModifiedTime(runsDir.resolve(".lock"), FileTime.from(old));

        int purged = runs.purgeStale();

        assertThat(purged).isEqualTo(2);
        assertThat(entries()).containsExactly(".lock", ".movies-456", ".movies-789", "movies");
    }

    @Test
    void purgeStale_withoutARunsFolder_createsNothing() {
        assertThat(runs().purgeStale()).isZero();
        assertThat(tmp.resolve("runs")).doesNotExist();
    }
}
