package dev.maas.recommend.retrieval;

import static dev.maas.recommend.retrieval.Fixtures.gaussians;
import static dev.maas.recommend.retrieval.Fixtures.integers;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vector kernel against a plain scalar reference that scores each item the way the kernel
 * promises to: one sequential fused multiply-add chain over the dimensions from zero, then the bias
 * (int8: times the row's scale, then the bias; int8 queries: an exact integer dot product). With
 * that order kept the kernel's results must equal the reference to the bit, item and score, for
 * every size around the tile and vector boundaries, k beyond n, ties, filters, batches and threads.
 */
class VectorKernelEquivalenceTest {

    /** A top-K by full sort: higher score first, ties by the lower index. */
    private static List<IndexHit> reference(float[] scores, int k, BitSet allowed) {
        List<IndexHit> all = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (allowed == null || allowed.get(i)) {
                all.add(new IndexHit(i, scores[i]));
            }
        }
        all.sort(
                (a, b) ->
                        a.score() != b.score()
                                ? Float.compare(b.score(), a.score())
                                : Integer.compare(a.index(), b.index()));
        return all.subList(0, Math.min(k, all.size()));
    }

    private static float[] fmaScores(float[] items, float[] bias, int d, float[] q) {
        int n = bias.length;
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            float acc = 0f;
            for (int j = 0; j < d; j++) {
                acc = Math.fma(q[j], items[i * d + j], acc);
            }
            s[i] = acc + bias[i];
        }
        return s;
    }

    private static float[] int8Scores(float[] items, float[] bias, int d, float[] q, boolean qq) {
        int n = bias.length;
        float[] s = new float[n];
        Int8.Query q8 = qq ? new Int8.Query(q) : null;
        for (int i = 0; i < n; i++) {
            float scale = Int8.scale(items, i * d, d);
            if (qq) {
                int acc = 0;
                for (int j = 0; j < d; j++) {
                    acc += q8.codes[j] * Int8.code(items[i * d + j], scale);
                }
                s[i] = (float) acc * (scale * q8.scale) + bias[i];
            } else {
                float acc = 0f;
                for (int j = 0; j < d; j++) {
                    acc = Math.fma(q[j], (float) Int8.code(items[i * d + j], scale), acc);
                }
                s[i] = acc * scale + bias[i];
            }
        }
        return s;
    }

    enum Mode {
        F32,
        INT8,
        INT8_QUERIES
    }

    private static float[] scores(Mode mode, float[] items, float[] bias, int d, float[] q) {
        switch (mode) {
            case F32:
                return fmaScores(items, bias, d, q);
            case INT8:
                return int8Scores(items, bias, d, q, false);
            default:
                return int8Scores(items, bias, d, q, true);
        }
    }

    private static EmbeddingIndex.Builder builder(Mode mode, float[] items, float[] bias, int d) {
        EmbeddingIndex.Builder b =
                EmbeddingIndex.builder(items, d).bias(bias).kernel(Kernel.VECTOR);
        if (mode != Mode.F32) {
            b.precision(Precision.INT8).quantizeQueries(mode == Mode.INT8_QUERIES);
        }
        return b;
    }

    @ParameterizedTest(name = "{0} items x {1} dims")
    @CsvSource({
        "1, 1",
        "15, 3",
        "16, 16",
        "17, 64",
        "63, 7",
        "64, 64",
        "65, 33",
        "129, 64",
        "1000, 67",
        "4097, 16",
        "20011, 64"
    })
    void singleAndBatched_equalTheSequentialFmaReference_toTheBit(int n, int d) {
        for (Mode mode : Mode.values()) {
            Random rnd = new Random(31L * n + d);
            float[] items = gaussians(rnd, n * d);
            float[] bias = gaussians(rnd, n);
            float[][] queries = new float[9][];
            for (int i = 0; i < queries.length; i++) {
                queries[i] = gaussians(rnd, d);
            }
            BitSet allowed = new BitSet(n);
            for (int i = 0; i < n; i++) {
                if (rnd.nextInt(3) != 0) {
                    allowed.set(i);
                }
            }
            Filter filter = Filter.allowedOnly(ItemSet.of(allowed));
            try (EmbeddingIndex index = builder(mode, items, bias, d).parallelism(1).build()) {
                for (int k : new int[] {1, 10, n + 5}) {
                    List<List<IndexHit>> batched = index.topK(queries, k);
                    List<List<IndexHit>> filtered = index.topK(queries, k, filter);
                    for (int i = 0; i < queries.length; i++) {
                        float[] s = scores(mode, items, bias, d, queries[i]);
                        List<IndexHit> expected = reference(s, k, null);
                        String what = mode + " k=" + k + " query " + i;
                        assertThat(index.topK(queries[i], k)).as(what).isEqualTo(expected);
                        assertThat(batched.get(i)).as("batched " + what).isEqualTo(expected);
                        List<IndexHit> expectedFiltered = reference(s, k, allowed);
                        assertThat(index.topK(queries[i], k, filter))
                                .as("filtered " + what)
                                .isEqualTo(expectedFiltered);
                        assertThat(filtered.get(i))
                                .as("batched filtered " + what)
                                .isEqualTo(expectedFiltered);
                    }
                }
                int item = rnd.nextInt(n);
                assertThat(index.score(queries[0], item))
                        .isEqualTo(scores(mode, items, bias, d, queries[0])[item]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void ties_areBrokenByTheLowerIndex_inEveryPath(Mode mode) {
        Random rnd = new Random(5);
        int n = 3 * VectorKernel.T + 5;
        int d = 8;
        // Few distinct values: many items share each score exactly.
        float[] items = integers(rnd, n * d, 1);
        float[] bias = new float[n];
        float[][] queries = new float[6][];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = integers(rnd, d, 2);
        }
        try (EmbeddingIndex index = builder(mode, items, bias, d).parallelism(1).build()) {
            List<List<IndexHit>> batched = index.topK(queries, 40);
            for (int i = 0; i < queries.length; i++) {
                List<IndexHit> expected =
                        reference(scores(mode, items, bias, d, queries[i]), 40, null);
                assertThat(index.topK(queries[i], 40)).isEqualTo(expected);
                assertThat(batched.get(i)).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void twoThreads_equalOneThread_forScansAndBatches(Mode mode) throws Exception {
        Random rnd = new Random(11);
        int d = 32;
        int n = (int) (4 * EmbeddingIndex.MIN_WORK_PER_THREAD / d) + 13;
        float[] items = gaussians(rnd, n * d);
        float[] bias = gaussians(rnd, n);
        float[][] queries = new float[23][];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = gaussians(rnd, d);
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (EmbeddingIndex one = builder(mode, items, bias, d).parallelism(1).build();
                EmbeddingIndex two =
                        builder(mode, items, bias, d).parallelism(2).executor(pool).build()) {
            assertThat(two.singleQueryParts()).isEqualTo(2);
            assertThat(two.batchParts(queries.length)).isEqualTo(2);
            assertThat(one.singleQueryParts()).isEqualTo(1);
            for (float[] q : queries) {
                assertThat(two.topK(q, 25)).isEqualTo(one.topK(q, 25));
            }
            assertThat(two.topK(queries, 25)).isEqualTo(one.topK(queries, 25));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void smallScans_stayOnTheCallingThread_byDefault() {
        int d = 64;
        int small = (int) (EmbeddingIndex.MIN_WORK_PER_THREAD / d);
        try (EmbeddingIndex index =
                EmbeddingIndex.builder(new float[small * d], d).parallelism(8).build()) {
            assertThat(index.singleQueryParts()).isEqualTo(1);
            assertThat(index.batchParts(1)).isEqualTo(1);
            assertThat(index.batchParts(8)).isEqualTo(2);
        }
    }
}
