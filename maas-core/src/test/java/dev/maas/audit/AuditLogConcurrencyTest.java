package dev.maas.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class AuditLogConcurrencyTest {
    @TempDir Path tmp;

    @Test
    void eightThreadsOnTwoInstances_formOneUnbrokenChain() throws Exception {
        Path folder = tmp.resolve("audit");
        int threads = 8;
        int perThread = 50;
        // Half the threads share one instance, the other half another one on the same folder.
        FileAuditLog first = new FileAuditLog(folder);
        FileAuditLog second = new FileAuditLog(folder);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Long> returned = new ArrayList<>();
        try {
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                FileAuditLog log = t % 2 == 0 ? first : second;
                String principal = "thread-" + t;
                futures.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    List<Long> sequences = new ArrayList<>();
                                    for (int i = 0; i < perThread; i++) {
                                        sequences.add(
                                                log.append(
                                                                AuditEvent.builder(
                                                                                principal,
                                                                                AuditAction.GRANT)
                                                                        .model("m" + (i % 3))
                                                                        .detail(
                                                                                "i",
                                                                                Integer.toString(i))
                                                                        .build())
                                                        .sequence());
                                    }
                                    return sequences;
                                }));
            }
            start.countDown();
            for (Future<List<Long>> f : futures) {
                returned.addAll(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }

        int total = threads * perThread;
        assertThat(returned)
                .containsExactlyInAnyOrderElementsOf(
                        LongStream.rangeClosed(1, total).boxed().toList());
        FileAuditLog reader = new FileAuditLog(folder);
        List<AuditEntry> entries = reader.entries();
        assertThat(entries)
                .extracting(AuditEntry::sequence)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
        assertThat(reader.verify()).isEqualTo(AuditVerification.ofIntact(total));
        // Each thread's entries appear in the order it appended them.
        for (int t = 0; t < threads; t++) {
            assertThat(reader.forPrincipal("thread-" + t))
                    .extracting(e -> Integer.parseInt(e.event().details().get("i")))
                    .containsExactlyElementsOf(
                            java.util.stream.IntStream.range(0, perThread).boxed().toList());
        }
    }
}
