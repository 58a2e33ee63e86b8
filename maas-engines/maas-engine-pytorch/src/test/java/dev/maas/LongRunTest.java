package dev.maas;

import static dev.maas.ServingFixtures.HIDDEN;
import static dev.maas.ServingFixtures.IN;
import static dev.maas.ServingFixtures.OUT;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.maas.testing.MlpModel;
import dev.maas.testing.NdResources;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One million small predictions through one endpoint, from 8 threads, with DJL's resource counts
 * and the process's memory sampled every 100,000 calls while all callers wait at a barrier. The
 * resource counts must not move at all, and resident memory outside the Java heap must show no
 * trend beyond {@link #NATIVE_GROWTH_BOUND}. The number of calls can be lowered with {@code
 * -Dmaas.longRun.calls=N}.
 */
@Timeout(600)
class LongRunTest {
    private static final Logger LOG = LoggerFactory.getLogger(LongRunTest.class);

    /**
     * Allowed growth of the peak resident memory outside the Java heap from the first to the second
     * half of the run. Measured here (2-core EPYC, shared, PyTorch 2.7.1 CPU): samples move by up
     * to about 100 MiB from one to the next (the allocator keeps freed memory), with no trend. A
     * leak of one small output array per call (a libtorch tensor and its storage, a few hundred
     * bytes) would add well over 100 MiB between the halves of a million calls.
     */
    static final long NATIVE_GROWTH_BOUND = 64L << 20;

    @TempDir Path tmp;

    @Test
    void millionPredictions_resourceCountsFlat_nativeMemoryBounded() throws Exception {
        int total = Integer.getInteger("maas.longRun.calls", 1_000_000);
        int threads = 8;
        int samples = 10;
        int perThreadPerSample = Math.max(1, total / threads / samples);
        MlpModel mlp = MlpModel.random(IN, HIDDEN, OUT, 1234);
        float[][] x = ServingFixtures.input(9, 1);
        float[][] expected = mlp.forward(x);
        try (ModelService maas =
                        ModelService.builder()
                                .root(tmp.resolve("repo"))
                                .serving(ServingOptions.builder().maxBatchSize(16).build())
                                .build();
                NDManager callers = NDManager.newBaseManager("PyTorch")) {
            ServingFixtures.publishMlp(maas, tmp, "m", mlp, Map.of());
            Endpoint endpoint = maas.endpoint("m");
            NDManager model = modelManager(maas);
            NDManager root = callers.getParentManager();

            List<long[]> rows = new ArrayList<>();
            AtomicInteger wrong = new AtomicInteger();
            CyclicBarrier barrier =
                    new CyclicBarrier(
                            threads,
                            () -> rows.add(sample(root, model, callers, predictors(maas))));
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    done.add(
                            pool.submit(
                                    () -> {
                                        try (NDManager mine = callers.newSubManager()) {
                                            NDList input = new NDList(mine.create(x));
                                            for (int s = 0; s < samples; s++) {
                                                for (int i = 0; i < perThreadPerSample; i++) {
                                                    predictOnce(endpoint, input, expected, wrong);
                                                }
                                                barrier.await();
                                            }
                                        }
                                        return null;
                                    }));
                }
                for (Future<?> f : done) {
                    f.get(10, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long calls = (long) perThreadPerSample * threads * samples;
            LOG.info(
                    "{} predictions in {} s ({} per s); per sample [engine resources, model"
                            + " resources, caller resources, RSS MiB, heap committed MiB, RSS"
                            + " outside heap MiB, direct buffers MiB]:",
                    calls,
                    String.format("%.1f", seconds),
                    Math.round(calls / seconds));
            for (long[] r : rows) {
                LOG.info("  {}", java.util.Arrays.toString(r));
            }

            assertThat(wrong.get()).isZero();
            long[] first = rows.get(0);
            for (long[] r : rows) {
                assertThat(r[0]).as("engine resources").isEqualTo(first[0]);
                assertThat(r[1]).as("model resources").isEqualTo(first[1]);
                assertThat(r[2]).as("caller resources").isEqualTo(first[2]);
            }
            // Resident memory moves with the allocator (freed memory is not always returned to the
            // system), so compare the peaks of the first and second halves of the run: a leak
            // shows as a rising trend, noise does not.
            int half = rows.size() / 2;
            long firstPeak =
                    rows.subList(1, half).stream().mapToLong(r -> r[5]).max().orElseThrow();
            long secondPeak =
                    rows.subList(half, rows.size()).stream()
                            .mapToLong(r -> r[5])
                            .max()
                            .orElseThrow();
            LOG.info(
                    "resident memory outside the heap, peak MiB: first half {}, second half {}",
                    firstPeak,
                    secondPeak);
            assertThat((secondPeak - firstPeak) << 20)
                    .as(
                            "growth of resident memory outside the heap (MiB peaks %d then %d)",
                            firstPeak, secondPeak)
                    .isLessThanOrEqualTo(NATIVE_GROWTH_BOUND);
        }
    }

    private static void predictOnce(
            Endpoint endpoint, NDList input, float[][] expected, AtomicInteger wrong) {
        try (NDList out = endpoint.predict(input)) {
            float[] v = out.singletonOrThrow().toFloatArray();
            for (int j = 0; j < v.length; j++) {
                if (Math.abs(v[j] - expected[0][j]) > ServingFixtures.TOLERANCE) {
                    wrong.incrementAndGet();
                    return;
                }
            }
        }
    }

    private static NDManager modelManager(ModelService maas) {
        ModelRuntime r = maas.acquire(ModelRef.of("m", 1));
        try {
            return r.model().djlModel().getNDManager();
        } finally {
            r.release();
        }
    }

    /** Predictors hold one resource each under the model; callers may add some up to a bound. */
    private static int predictors(ModelService maas) {
        int[] n = new int[1];
        ServingFixtures.withRuntime(maas, ModelRef.of("m", 1), r -> n[0] = r.predictors());
        return n[0];
    }

    /** Samples counts (besides the predictors) and memory with every caller paused. */
    private static long[] sample(
            NDManager root, NDManager model, NDManager callers, int predictors) {
        System.gc();
        long heapCommitted =
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        long direct =
                ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                        .filter(b -> b.getName().equals("direct"))
                        .mapToLong(BufferPoolMXBean::getMemoryUsed)
                        .sum();
        long rss = rssBytes();
        return new long[] {
            NdResources.count(root) - predictors,
            NdResources.count(model) - predictors,
            NdResources.count(callers),
            rss >> 20,
            heapCommitted >> 20,
            (rss - heapCommitted) >> 20,
            direct >> 20
        };
    }

    private static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
