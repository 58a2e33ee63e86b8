package dev.maas.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.ModelService;
import dev.maas.recommend.data.SampleCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several {@code train --publish} of one model name at once, as from several terminals: each must
 * publish exactly what it trained, under the version it prints.
 */
class ConcurrentTrainTest {
    private static final int RUNS = 4;
    private static final Pattern PUBLISHED = Pattern.compile("Published films:(\\d+) ");

    @TempDir Path tmp;

    @AfterEach
    void resetHook() {
        TrainCommand.afterStaging = folder -> {};
    }

    @Test
    void concurrentTrainPublish_eachVersionHoldsWhatItsOwnRunTrained() throws Exception {
        Path data = tmp.resolve("data");
        SampleCatalog.builder()
                .users(40)
                .items(80)
                .ratings(1500)
                .minRatingsPerUser(10)
                .seed(11)
                .build()
                .writeMovieLens100k(data);
        Path root = tmp.resolve("repo");
        // Checksums of the files each run wrote, by the thread that ran it.
        Map<Thread, Map<String, String>> written = new ConcurrentHashMap<>();
        // Trainings in one JVM take turns; the barrier holds every run after writing its model
        // until all have, so all then install and publish at once: the moment at which runs
        // sharing one folder published each other's files.
        CyclicBarrier allWritten = new CyclicBarrier(RUNS);
        TrainCommand.afterStaging =
                folder -> {
                    written.put(Thread.currentThread(), checksums(folder));
                    try {
                        allWritten.await(120, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException("runs did not line up", e);
                    }
                };

        ExecutorService pool = Executors.newFixedThreadPool(RUNS);
        try {
            List<Future<Result>> futures =
                    Stream.of(1L, 2L, 3L, 4L)
                            .map(seed -> pool.submit(() -> train(root, data, seed)))
                            .toList();
            List<Result> results = new java.util.ArrayList<>();
            for (Future<Result> f : futures) {
                results.add(f.get(300, TimeUnit.SECONDS));
            }

            for (Result r : results) {
                assertThat(r.run.status()).as(r.run.err()).isZero();
            }
            assertThat(results.stream().map(Result::version).collect(Collectors.toSet()))
                    .as("every run printed its own version")
                    .hasSize(RUNS);
            try (ModelService maas = ModelService.builder().root(root).build()) {
                assertThat(maas.versions("films")).hasSize(RUNS);
                for (Result r : results) {
                    ModelCard card =
                            maas.versions("films").stream()
                                    .filter(c -> c.version() == r.version())
                                    .findFirst()
                                    .orElseThrow();
                    assertThat(card.properties())
                            .as("version %d was trained with seed %d", r.version(), r.seed)
                            .containsEntry("train.seed", Long.toString(r.seed));
                    assertThat(card.artifacts())
                            .as("version %d holds the files its run wrote", r.version())
                            .isEqualTo(written.get(r.thread));
                }
                assertThat(maas.aliases("films").get("production"))
                        .isIn(results.stream().map(Result::version).toList());
            }
            Map<String, String> saved = checksums(root.resolve("runs").resolve("films"));
            assertThat(written.values()).contains(saved);
            try (Stream<Path> left = Files.list(root.resolve("runs"))) {
                assertThat(left.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder(".lock", "films");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private record Result(long seed, Thread thread, MainTest.Run run) {
        int version() {
            Matcher m = PUBLISHED.matcher(run.out());
            assertThat(m.find()).as(run.out()).isTrue();
            return Integer.parseInt(m.group(1));
        }
    }

    private static Result train(Path root, Path data, long seed) {
        MainTest.Run run =
                MainTest.run(
                        "train",
                        "--root",
                        root.toString(),
                        "--data",
                        data.toString(),
                        "--name",
                        "films",
                        "--epochs",
                        "2",
                        "--factors",
                        "4",
                        "--seed",
                        Long.toString(seed),
                        "--publish",
                        "--alias",
                        "production");
        return new Result(seed, Thread.currentThread(), run);
    }

    /** SHA-256 of every file under {@code dir}, by relative path with '/' separators. */
    private static Map<String, String> checksums(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            Map<String, String> sums = new TreeMap<>();
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(f).toString().replace('\\', '/');
                sums.put(rel, sha256(f));
            }
            return sums;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
