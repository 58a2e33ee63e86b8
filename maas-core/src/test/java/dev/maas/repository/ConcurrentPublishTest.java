package dev.maas.repository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentPublishTest {
    @TempDir Path tmp;

    @Test
    void threadsPublishingOneModel_getDistinctConsecutiveVersions() throws Exception {
        Path root = tmp.resolve("repo");
        int threads = 8;
        int perThread = 3;
        // Half the threads share an instance, the others each open their own on the same folder.
        FileSystemModelRepository shared = new FileSystemModelRepository(root);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<ModelCard>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                FileSystemModelRepository repo =
                        t % 2 == 0 ? shared : new FileSystemModelRepository(root);
                futures.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    List<ModelCard> cards = new ArrayList<>();
                                    for (int i = 0; i < perThread; i++) {
                                        cards.add(
                                                repo.publish(
                                                        RepoFixtures.pkg(
                                                                tmp, "m", "t" + id + "-" + i)));
                                    }
                                    return cards;
                                }));
            }
            start.countDown();
            List<ModelCard> all = new ArrayList<>();
            for (Future<List<ModelCard>> f : futures) {
                all.addAll(f.get(60, TimeUnit.SECONDS));
            }
            List<Integer> versions = new ArrayList<>(all.stream().map(ModelCard::version).toList());
            Collections.sort(versions);
            assertThat(versions)
                    .containsExactlyElementsOf(
                            IntStream.rangeClosed(1, threads * perThread).boxed().toList());
            // Each version holds the files of the publisher that got it.
            for (ModelCard card : all) {
                ModelCard stored = shared.resolve(card.ref());
                assertThat(stored.description()).isEqualTo(card.description());
                Path dir = shared.verifiedArtifacts(stored);
                assertThat(Files.readString(dir.resolve("weights.bin")))
                        .isEqualTo("weights of " + card.description());
            }
            assertThat(RepoFixtures.leftovers(root)).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoProcessesPublishingOneModel_neverGetTheSameVersion() throws Exception {
        Path root = tmp.resolve("repo");
        Path startFile = tmp.resolve("go");
        int perProcess = 6;
        List<Process> processes = new ArrayList<>();
        for (String worker : List.of("p1", "p2")) {
            Path scratch = Files.createDirectories(tmp.resolve("scratch-" + worker));
            ProcessBuilder pb =
                    new ProcessBuilder(
                            javaExecutable(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                            PublishWorker.class.getName(),
                            root.toString(),
                            "shared-model",
                            Integer.toString(perProcess),
                            worker,
                            startFile.toString(),
                            scratch.toString());
            pb.redirectError(tmp.resolve("stderr-" + worker + ".txt").toFile());
            processes.add(pb.start());
        }
        // Both JVMs are up and waiting on the start file before either publishes.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (String worker : List.of("p1", "p2")) {
            Path ready = Path.of(startFile + ".ready-" + worker);
            while (!Files.exists(ready)) {
                assertThat(System.nanoTime())
                        .as("worker %s never started", worker)
                        .isLessThan(deadline);
                Thread.sleep(5);
            }
        }
        Files.writeString(startFile, "go");

        List<Integer> versions = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue())
                    .as(
                            "worker %d failed: %s",
                            i + 1, Files.readString(tmp.resolve("stderr-p" + (i + 1) + ".txt")))
                    .isZero();
            out.lines().map(String::trim).map(Integer::parseInt).forEach(versions::add);
        }
        Collections.sort(versions);
        assertThat(versions)
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, 2 * perProcess).boxed().toList());

        FileSystemModelRepository repo = new FileSystemModelRepository(root);
        List<ModelCard> cards = repo.versions("shared-model");
        assertThat(cards).hasSize(2 * perProcess);
        for (ModelCard card : cards) {
            Path dir = repo.verifiedArtifacts(card);
            assertThat(Files.readString(dir.resolve("weights.bin")))
                    .isEqualTo("published by " + card.description());
        }
        assertThat(cards.stream().map(ModelCard::description).distinct()).hasSize(2 * perProcess);
    }

    @Test
    void aliasUpdatesFromManyThreads_areNeverLost() throws Exception {
        Path root = tmp.resolve("repo");
        FileSystemModelRepository repo = new FileSystemModelRepository(root);
        repo.publish(RepoFixtures.pkg(tmp, "m", "only"));
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String alias = "alias-" + t;
                FileSystemModelRepository own = new FileSystemModelRepository(root);
                futures.add(pool.submit(() -> own.setAlias("m", alias, 1)));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // Read-modify-write of the aliases file runs under the lock: all 8 survive.
        assertThat(repo.aliases("m")).hasSize(threads);
    }

    private static String javaExecutable() throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (!Files.isExecutable(java)) {
            throw new IOException("no java executable at " + java);
        }
        return java.toString();
    }
}
