package dev.maas.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Appends from a second JVM ({@link AuditAppendWorker}): in-process locks cannot make these pass,
 * only the file lock and re-reading the head under it can.
 */
@Timeout(60)
class AuditLogProcessTest {
    private static final long WAIT_SECONDS = 30;

    @TempDir Path tmp;
    private final List<Child> children = new ArrayList<>();

    @AfterEach
    void stopChildren() {
        children.forEach(c -> c.process.destroyForcibly());
    }

    @Test
    void anotherProcessAppendingAtTheSameTime_interleavesIntoOneChain() throws Exception {
        Path folder = tmp.resolve("audit");
        int childCount = 100;
        int threads = 2;
        int perThread = 50;
        Child child = start("append", folder.toString(), Integer.toString(childCount), "child");
        child.expect("ready");

        FileAuditLog first = new FileAuditLog(folder);
        FileAuditLog second = new FileAuditLog(folder);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                FileAuditLog log = t == 0 ? first : second;
                String principal = "parent-" + t;
                futures.add(
                        pool.submit(
                                () -> {
                                    go.await();
                                    for (int i = 0; i < perThread; i++) {
                                        log.append(
                                                AuditEvent.builder(
                                                                principal, AuditAction.TRAFFIC_SET)
                                                        .model("shared")
                                                        .detail("i", Integer.toString(i))
                                                        .build());
                                    }
                                    return null;
                                }));
            }
            child.send("go");
            go.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            child.expect("done");
            assertThat(child.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(child.process.exitValue()).as(child.stderr()).isZero();
        } finally {
            pool.shutdownNow();
        }

        int total = childCount + threads * perThread;
        FileAuditLog reader = new FileAuditLog(folder);
        assertThat(reader.entries())
                .extracting(AuditEntry::sequence)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
        assertThat(reader.verify()).isEqualTo(AuditVerification.ofIntact(total));
        assertThat(reader.forPrincipal("child"))
                .extracting(e -> Integer.parseInt(e.event().details().get("i")))
                .containsExactlyElementsOf(IntStream.range(0, childCount).boxed().toList());
    }

    @Test
    void anotherProcessHoldingTheLock_makesAppendWaitForIt() throws Exception {
        Path folder = tmp.resolve("audit");
        FileAuditLog log = new FileAuditLog(folder);
        log.append(AuditEvent.builder("parent", AuditAction.PUBLISH).model("m").version(1).build());
        Child child = start("hold", folder.toString());
        child.expect("locked");

        CompletableFuture<AuditEntry> append =
                CompletableFuture.supplyAsync(
                        () ->
                                log.append(
                                        AuditEvent.builder("parent", AuditAction.PUBLISH)
                                                .model("m")
                                                .version(2)
                                                .build()));
        // While the other process holds the lock, the append cannot finish (a broken lock would
        // let it finish at once and fail this).
        assertThatThrownBy(() -> append.get(300, TimeUnit.MILLISECONDS))
                .isInstanceOf(TimeoutException.class);
        assertThat(Files.readAllLines(folder.resolve(FileAuditLog.LOG_FILE))).hasSize(1);

        child.send("release");
        child.expect("released");
        assertThat(append.get(WAIT_SECONDS, TimeUnit.SECONDS).sequence()).isEqualTo(2);
        assertThat(log.verify()).isEqualTo(AuditVerification.ofIntact(2));
    }

    /** A worker JVM whose standard output is read line by line into a queue. */
    private static final class Child {
        final Process process;
        final Path stderr;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Child(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            Thread reader =
                    new Thread(
                            () -> {
                                try (BufferedReader r =
                                        new BufferedReader(
                                                new InputStreamReader(
                                                        process.getInputStream(),
                                                        StandardCharsets.UTF_8))) {
                                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                                        lines.add(l);
                                    }
                                } catch (IOException e) {
                                    lines.add("read failed: " + e);
                                }
                            },
                            "audit-worker-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        void expect(String line) throws Exception {
            String got = lines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(got).as("worker said %s; stderr: %s", got, stderr()).isEqualTo(line);
        }

        void send(String line) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        String stderr() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }

    private Child start(String... args) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add(AuditAppendWorker.class.getName());
        command.addAll(List.of(args));
        Path stderr = tmp.resolve("worker-" + children.size() + ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderr.toFile());
        Child child = new Child(pb.start(), stderr);
        children.add(child);
        return child;
    }
}
