package dev.maas.recommend.retrieval;

import static dev.maas.recommend.retrieval.Fixtures.bruteForce;
import static dev.maas.recommend.retrieval.Fixtures.gaussians;
import static dev.maas.recommend.retrieval.Fixtures.integers;
import static dev.maas.recommend.retrieval.Fixtures.referenceScores;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EmbeddingIndexTest {

    /** A random filter of one of several shapes; {@code eligible} mirrors it independently. */
    private record Case(Filter filter, IntPredicate eligible) {}

    private static Case randomFilter(Random rnd, int n, int shape) {
        switch (shape) {
            case 0:
                return new Case(Filter.none(), i -> true);
            case 1:
                {
                    Set<Integer> seen = randomSubset(rnd, n, 0.2);
                    // Out-of-range exclusions are ignored.
                    int[] arr = toArray(seen, n + 3);
                    return new Case(Filter.excluding(arr), i -> !seen.contains(i));
                }
            case 2:
                {
                    Set<Integer> allowed = randomSubset(rnd, n, 0.3);
                    BitSet bits = new BitSet();
                    allowed.forEach(bits::set);
                    return new Case(Filter.builder().allowOnly(bits).build(), allowed::contains);
                }
            case 3:
                {
                    Set<Integer> allowed = randomSubset(rnd, n, 0.5);
                    Set<Integer> seen = randomSubset(rnd, n, 0.5);
                    BitSet bits = new BitSet();
                    allowed.forEach(bits::set);
                    return new Case(
                            Filter.builder()
                                    .allowOnly(ItemSet.of(bits))
                                    .exclude(toArray(seen, -1))
                                    .build(),
                            i -> allowed.contains(i) && !seen.contains(i));
                }
            default:
                {
                    int count = 1 + rnd.nextInt(Math.min(n, 60));
                    int[] candidates = new int[count + 2];
                    Set<Integer> set = new HashSet<>();
                    for (int c = 0; c < count; c++) {
                        candidates[c] = rnd.nextInt(n);
                        set.add(candidates[c]);
                    }
                    candidates[count] = candidates[0]; // duplicates are ignored
                    candidates[count + 1] = candidates[count - 1];
                    Set<Integer> seen = randomSubset(rnd, n, 0.2);
                    return new Case(
                            Filter.builder()
                                    .candidates(candidates)
                                    .exclude(toArray(seen, -1))
                                    .build(),
                            i -> set.contains(i) && !seen.contains(i));
                }
        }
    }

    private static Set<Integer> randomSubset(Random rnd, int n, double p) {
        Set<Integer> s = new HashSet<>();
        for (int i = 0; i < n; i++) {
            if (rnd.nextDouble() < p) {
                s.add(i);
            }
        }
        return s;
    }

    private static int[] toArray(Set<Integer> s, int extra) {
        int[] a = new int[s.size() + (extra >= 0 ? 1 : 0)];
        int i = 0;
        for (int v : s) {
            a[i++] = v;
        }
        if (extra >= 0) {
            a[i] = extra;
        }
        return a;
    }

    static EmbeddingIndex build(
            float[] items, int d, float[] bias, Kernel kernel, Precision precision) {
        EmbeddingIndex.Builder b =
                EmbeddingIndex.builder(items, d).kernel(kernel).precision(precision);
        if (bias != null) {
            b.bias(bias);
        }
        return b.build();
    }

    @ParameterizedTest
    @EnumSource(
            value = Kernel.class,
            names = {"SCALAR", "VECTOR", "DJL"})
    void topK_equalsBruteForce_onExactIntegerData(Kernel kernel) {
        int[] dims = {1, 3, 16, 64};
        for (int seed = 0; seed < 24; seed++) {
            Random rnd = new Random(seed);
            int d = dims[seed % dims.length];
            int n = 1 + rnd.nextInt(2500);
            float[] items = integers(rnd, n * d, 4);
            float[] bias = seed % 3 == 0 ? null : integers(rnd, n, 40);
            try (EmbeddingIndex index = build(items, d, bias, kernel, Precision.FLOAT32)) {
                assertThat(index.kernel()).isEqualTo(kernel);
                for (int shape = 0; shape < 5; shape++) {
                    float[] q = integers(rnd, d, 4);
                    int k = new int[] {1, 5, 10, 100, n + 5}[rnd.nextInt(5)];
                    Case c = randomFilter(rnd, n, shape);
                    double[] ref = referenceScores(items, d, bias, q);
                    assertThat(index.topK(q, k, c.filter()))
                            .as("seed %d, n %d, d %d, k %d, %s", seed, n, d, k, c.filter())
                            .isEqualTo(bruteForce(ref, k, c.eligible()));
                }
            }
        }
    }

    /** Quantises like the index must (per row, max-abs / 127, round, clamp) and scores in float. */
    private static float[] int8ReferenceScores(
            float[] items, int d, float[] bias, float[] q, boolean quantizeQuery) {
        int n = items.length / d;
        float qScale = 0;
        int[] qc = new int[d];
        if (quantizeQuery) {
            float max = 0;
            for (float v : q) {
                max = Math.max(max, Math.abs(v));
            }
            qScale = max / 127f;
            for (int j = 0; j < d; j++) {
                qc[j] = qScale == 0 ? 0 : Math.max(-127, Math.min(127, Math.round(q[j] / qScale)));
            }
        }
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            float max = 0;
            for (int j = 0; j < d; j++) {
                max = Math.max(max, Math.abs(items[i * d + j]));
            }
            float scale = max / 127f;
            long dot = 0; // integer data: exact, whatever the order
            for (int j = 0; j < d; j++) {
                int code =
                        scale == 0
                                ? 0
                                : Math.max(
                                        -127, Math.min(127, Math.round(items[i * d + j] / scale)));
                dot += (long) (quantizeQuery ? qc[j] : (int) q[j]) * code;
            }
            float b = bias == null ? 0f : bias[i];
            s[i] = quantizeQuery ? (float) dot * (scale * qScale) + b : (float) dot * scale + b;
        }
        return s;
    }

    @ParameterizedTest
    @EnumSource(
            value = Kernel.class,
            names = {"SCALAR", "VECTOR"})
    void topK_int8_equalsBruteForceOverQuantisedVectors(Kernel kernel) {
        for (int seed = 0; seed < 16; seed++) {
            Random rnd = new Random(100 + seed);
            int d = new int[] {5, 32, 64}[seed % 3];
            int n = 1 + rnd.nextInt(2000);
            boolean quantizeQuery = seed % 2 == 1;
            float[] items = integers(rnd, n * d, 100);
            float[] bias = integers(rnd, n, 50);
            try (EmbeddingIndex index =
                    EmbeddingIndex.builder(items, d)
                            .bias(bias)
                            .kernel(kernel)
                            .precision(Precision.INT8)
                            .quantizeQueries(quantizeQuery)
                            .build()) {
                for (int shape = 0; shape < 5; shape++) {
                    float[] q = integers(rnd, d, 6);
                    float[] ref = int8ReferenceScores(items, d, bias, q, quantizeQuery);
                    double[] refD = new double[n];
                    for (int i = 0; i < n; i++) {
                        refD[i] = ref[i];
                    }
                    Case c = randomFilter(rnd, n, shape);
                    int k = 1 + rnd.nextInt(30);
                    assertThat(index.topK(q, k, c.filter()))
                            .as("seed %d, n %d, d %d, %s", seed, n, d, c.filter())
                            .isEqualTo(bruteForce(refD, k, c.eligible()));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Kernel.class,
            names = {"SCALAR", "VECTOR", "DJL"})
    void topK_matchesDoublePrecisionReference_onGaussianData(Kernel kernel) {
        for (int seed = 0; seed < 8; seed++) {
            Random rnd = new Random(200 + seed);
            int d = 64;
            int n = 500 + rnd.nextInt(3000);
            float[] items = gaussians(rnd, n * d);
            float[] bias = gaussians(rnd, n);
            try (EmbeddingIndex index = build(items, d, bias, kernel, Precision.FLOAT32)) {
                for (int shape = 0; shape < 5; shape++) {
                    float[] q = gaussians(rnd, d);
                    Case c = randomFilter(rnd, n, shape);
                    int k = 10;
                    double[] ref = referenceScores(items, d, bias, q);
                    assertMatches(index.topK(q, k, c.filter()), ref, k, c.eligible(), 1e-3);
                }
            }
        }
    }

    /**
     * Checks a result against double-precision scores where float rounding may reorder items whose
     * scores differ by less than {@code tol}: right size, sorted, distinct, eligible, scores close
     * to the reference, and the same items as the reference except within {@code tol} of the k-th.
     */
    static void assertMatches(
            List<IndexHit> got, double[] ref, int k, IntPredicate eligible, double tol) {
        List<IndexHit> expected = bruteForce(ref, k, eligible);
        assertThat(got).hasSameSizeAs(expected);
        Set<Integer> ids = new HashSet<>();
        for (int r = 0; r < got.size(); r++) {
            IndexHit s = got.get(r);
            assertThat(eligible.test(s.index())).as("item %d eligible", s.index()).isTrue();
            assertThat(ids.add(s.index())).as("item %d listed once", s.index()).isTrue();
            assertThat((double) s.score()).isCloseTo(ref[s.index()], within(tol));
            if (r > 0) {
                IndexHit prev = got.get(r - 1);
                assertThat(
                                prev.score() > s.score()
                                        || (prev.score() == s.score() && prev.index() < s.index()))
                        .as("sorted at rank %d", r)
                        .isTrue();
            }
        }
        if (!expected.isEmpty()) {
            double kth = ref[expected.get(expected.size() - 1).index()];
            for (IndexHit e : expected) {
                if (ref[e.index()] > kth + 2 * tol) {
                    assertThat(ids).as("clear winner %d", e.index()).contains(e.index());
                }
            }
        }
    }

    private static List<Filter> mixedFilters(Random rnd, int n, int count) {
        List<Filter> filters = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            filters.add(randomFilter(rnd, n, i % 5).filter());
        }
        return filters;
    }

    @ParameterizedTest
    @EnumSource(
            value = Kernel.class,
            names = {"SCALAR", "VECTOR", "DJL"})
    void batched_equalsSingle_onIntegerData(Kernel kernel) {
        Random rnd = new Random(7);
        int n = 3001;
        int d = 24;
        float[] items = integers(rnd, n * d, 4);
        float[] bias = integers(rnd, n, 20);
        try (EmbeddingIndex index = build(items, d, bias, kernel, Precision.FLOAT32)) {
            assertBatchedEqualsSingle(index, rnd, n, d, 4);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Kernel.class,
            names = {"SCALAR", "VECTOR"})
    void batched_equalsSingleToTheBit_onGaussianData(Kernel kernel) {
        for (Precision precision : Precision.values()) {
            Random rnd = new Random(8);
            int n = 5003;
            int d = 64;
            float[] items = gaussians(rnd, n * d);
            float[] bias = gaussians(rnd, n);
            try (EmbeddingIndex index = build(items, d, bias, kernel, precision)) {
                assertBatchedEqualsSingle(index, rnd, n, d, 0);
            }
        }
    }

    private static void assertBatchedEqualsSingle(
            EmbeddingIndex index, Random rnd, int n, int d, int intRange) {
        int nq = 37; // not a multiple of the 4-query tile
        float[][] queries = new float[nq][];
        for (int i = 0; i < nq; i++) {
            queries[i] = intRange > 0 ? integers(rnd, d, intRange) : gaussians(rnd, d);
        }
        List<Filter> filters = mixedFilters(rnd, n, nq);
        List<List<IndexHit>> batched = index.topK(queries, 15, filters);
        List<List<IndexHit>> plain = index.topK(queries, 15);
        for (int i = 0; i < nq; i++) {
            assertThat(batched.get(i))
                    .as("query %d with %s", i, filters.get(i))
                    .isEqualTo(index.topK(queries[i], 15, filters.get(i)));
            assertThat(plain.get(i)).as("query %d", i).isEqualTo(index.topK(queries[i], 15));
        }
        Filter shared = filters.get(1);
        List<List<IndexHit>> sharedResults = index.topK(queries, 3, shared);
        for (int i = 0; i < nq; i++) {
            assertThat(sharedResults.get(i)).isEqualTo(index.topK(queries[i], 3, shared));
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Kernel.class,
            names = {"SCALAR", "VECTOR"})
    void parallelScan_equalsSequential_evenWhenTheExecutorRejects(Kernel kernel) throws Exception {
        Random rnd = new Random(9);
        int n = (int) (3 * EmbeddingIndex.MIN_WORK_PER_THREAD / 16) + 77;
        int d = 16;
        float[] items = gaussians(rnd, n * d);
        float[] bias = gaussians(rnd, n);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (EmbeddingIndex sequential = build(items, d, bias, kernel, Precision.FLOAT32);
                EmbeddingIndex parallel =
                        EmbeddingIndex.builder(items, d)
                                .bias(bias)
                                .kernel(kernel)
                                .parallelism(3)
                                .executor(pool)
                                .build();
                EmbeddingIndex rejecting =
                        EmbeddingIndex.builder(items, d)
                                .bias(bias)
                                .kernel(kernel)
                                .parallelism(2)
                                .executor(
                                        r -> {
                                            throw new RejectedExecutionException("full");
                                        })
                                .build()) {
            float[][] queries = new float[9][];
            for (int i = 0; i < queries.length; i++) {
                queries[i] = gaussians(rnd, d);
                Filter f = randomFilter(rnd, n, i % 4).filter();
                List<IndexHit> expected = sequential.topK(queries[i], 20, f);
                assertThat(parallel.topK(queries[i], 20, f)).isEqualTo(expected);
                assertThat(rejecting.topK(queries[i], 20, f)).isEqualTo(expected);
            }
            assertThat(parallel.topK(queries, 20)).isEqualTo(sequential.topK(queries, 20));
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Kernel.class,
            names = {"SCALAR", "VECTOR", "DJL"})
    void concurrentQueries_getTheSameResultsAsSequentialOnes(Kernel kernel) throws Exception {
        Random rnd = new Random(10);
        int n = 4000;
        int d = 32;
        float[] items = gaussians(rnd, n * d);
        float[][] queries = new float[64][];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = gaussians(rnd, d);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (EmbeddingIndex index = build(items, d, null, kernel, Precision.FLOAT32)) {
            List<List<IndexHit>> expected = new ArrayList<>();
            for (float[] q : queries) {
                expected.add(index.topK(q, 10));
            }
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int offset = t;
                futures.add(
                        pool.submit(
                                () -> {
                                    boolean same = true;
                                    for (int r = 0; r < 4 * queries.length; r++) {
                                        int i = (r * 7 + offset) % queries.length;
                                        same &= index.topK(queries[i], 10).equals(expected.get(i));
                                    }
                                    return same;
                                }));
            }
            for (Future<Boolean> f : futures) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Kernel.class,
            names = {"SCALAR", "VECTOR", "DJL"})
    void scoreAndVector_agreeWithTopK(Kernel kernel) {
        Random rnd = new Random(11);
        int n = 700;
        int d = 20;
        float[] items = gaussians(rnd, n * d);
        float[] bias = gaussians(rnd, n);
        try (EmbeddingIndex index = build(items, d, bias, kernel, Precision.FLOAT32)) {
            float[] q = gaussians(rnd, d);
            List<IndexHit> top = index.topK(q, 25);
            int[] ids = top.stream().mapToInt(IndexHit::index).toArray();
            float[] scores = index.scores(q, ids);
            for (int r = 0; r < ids.length; r++) {
                assertThat(scores[r]).isEqualTo(top.get(r).score());
                assertThat(index.score(q, ids[r])).isEqualTo(top.get(r).score());
            }
            assertThat(index.vector(123)).containsExactly(Fixtures.row(items, d, 123));
        }
    }

    @Test
    void int8_vectorIsTheDequantisedRow_andMemoryIsAboutAQuarter() {
        Random rnd = new Random(12);
        int n = 1000;
        int d = 64;
        float[] items = gaussians(rnd, n * d);
        try (EmbeddingIndex f32 = build(items, d, null, Kernel.VECTOR, Precision.FLOAT32);
                EmbeddingIndex i8 = build(items, d, null, Kernel.VECTOR, Precision.INT8)) {
            float[] row = Fixtures.row(items, d, 5);
            float max = 0;
            for (float v : row) {
                max = Math.max(max, Math.abs(v));
            }
            float[] back = i8.vector(5);
            for (int j = 0; j < d; j++) {
                // Rounding to the nearest code: error at most half a step.
                assertThat(back[j]).isCloseTo(row[j], within(max / 127f / 2 + 1e-6f));
            }
            // float32: 4 bytes per value + bias; int8: 1 byte per value + scale + bias; the
            // vector layout pads the last tile to 64 items at most.
            long pad = 64;
            assertThat(f32.memoryBytes()).isBetween(4L * n * d + 4L * n, 4L * (n + pad) * (d + 1));
            assertThat(i8.memoryBytes()).isBetween((long) n * d + 8L * n, (n + pad) * (d + 8L));
            assertThat((double) i8.memoryBytes() / f32.memoryBytes()).isLessThan(0.28);
        }
    }

    @Test
    void auto_usesTheVectorKernelWhenTheModuleIsPresent() {
        assertThat(VectorSupport.unavailableReason()).isNull();
        try (EmbeddingIndex index = EmbeddingIndex.builder(new float[] {1, 2, 3, 4}, 2).build()) {
            assertThat(index.kernel()).isEqualTo(Kernel.VECTOR);
            assertThat(index.precision()).isEqualTo(Precision.FLOAT32);
            assertThat(index.parallelism()).isEqualTo(Runtime.getRuntime().availableProcessors());
            assertThat(index.toString()).contains("kernel=VECTOR", "size=2", "dimension=2");
        }
    }

    @Test
    void ties_areBrokenByLowerIndex_andKBeyondSizeReturnsAll() {
        float[] items = {1, 0, 1, 0, 0, 1, 1, 0, 2, 0};
        try (EmbeddingIndex index = EmbeddingIndex.builder(items, 2).build()) {
            assertThat(index.topK(new float[] {1, 0}, 10))
                    .containsExactly(
                            new IndexHit(4, 2f),
                            new IndexHit(0, 1f),
                            new IndexHit(1, 1f),
                            new IndexHit(3, 1f),
                            new IndexHit(2, 0f));
            assertThat(index.topK(new float[] {1, 0}, 2))
                    .containsExactly(new IndexHit(4, 2f), new IndexHit(0, 1f));
            assertThat(index.topK(new float[] {1, 0}, 3, Filter.candidates()))
                    .as("empty candidate list")
                    .isEmpty();
            assertThat(index.topK(new float[] {1, 0}, 3, Filter.allowedOnly(ItemSet.empty())))
                    .isEmpty();
        }
    }
}
