package dev.maas.recommend.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DjlKernelTest {

    @Test
    void queries_leaveNoArraysInTheIndexManager() {
        Random rnd = new Random(3);
        int n = 2000;
        int d = 16;
        float[] items = Fixtures.integers(rnd, n * d, 3);
        float[] bias = Fixtures.integers(rnd, n, 5);
        try (EmbeddingIndex index =
                EmbeddingIndex.builder(items, d).bias(bias).kernel(Kernel.DJL).build()) {
            DjlKernel kernel = (DjlKernel) index.kernelForTesting();
            int before = kernel.liveArrays();
            float[][] queries = new float[6][];
            for (int i = 0; i < queries.length; i++) {
                queries[i] = Fixtures.integers(rnd, d, 3);
            }
            for (int round = 0; round < 20; round++) {
                float[] q = queries[round % queries.length];
                index.topK(q, 10);
                index.topK(q, 10, Filter.excluding(1, 2, 3));
                index.topK(q, 5, Filter.candidates(5, 6, 7));
                index.topK(queries, 3, Filter.allowedOnly(ItemSet.of(1, 10, 100)));
                index.scores(q, 0, 1, 2);
                index.vector(round);
            }
            assertThat(kernel.liveArrays()).isEqualTo(before);
        }
    }

    @Test
    void batchesLargerThanOneScoreMatrix_areCutAndStillExact() {
        Random rnd = new Random(4);
        int n = 999;
        int d = 8;
        float[] items = Fixtures.integers(rnd, n * d, 4);
        float[] bias = Fixtures.integers(rnd, n, 9);
        float[][] queries = new float[11][];
        Filter[] filters = new Filter[queries.length];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = Fixtures.integers(rnd, d, 4);
            filters[i] = i % 3 == 0 ? Filter.excluding(i, 2 * i) : Filter.none();
        }
        // At most 3 queries' scores per libtorch call: 11 queries take 4 calls.
        try (DjlKernel djl = new DjlKernel(items, n, d, bias, true, 3L * n)) {
            ScalarKernel scalar = new ScalarKernel(items, n, d, bias, Precision.FLOAT32, false);
            TopKCollector[] got = collectors(queries.length, 12);
            djl.searchBatch(queries, filters, got);
            TopKCollector[] want = collectors(queries.length, 12);
            scalar.searchBatch(queries, filters, want);
            for (int i = 0; i < queries.length; i++) {
                assertThat(got[i].result()).as("query %d", i).isEqualTo(want[i].result());
            }
        }
    }

    private static TopKCollector[] collectors(int count, int k) {
        List<TopKCollector> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new TopKCollector(k));
        }
        return list.toArray(new TopKCollector[0]);
    }
}
