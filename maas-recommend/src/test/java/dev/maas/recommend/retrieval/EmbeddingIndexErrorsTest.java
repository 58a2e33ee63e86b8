package dev.maas.recommend.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EmbeddingIndexErrorsTest {
    private static final float[] ITEMS = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
    private static final float[] QUERY = {3, 2, 1, 0};

    private EmbeddingIndex index;
    private List<IndexHit> expected;

    @BeforeEach
    void setUp() {
        index = EmbeddingIndex.builder(ITEMS, 4).build();
        expected = index.topK(QUERY, 2);
        assertThat(expected).containsExactly(new IndexHit(0, 3f), new IndexHit(1, 2f));
    }

    @AfterEach
    void tearDown() {
        index.close();
    }

    /** Runs a bad call, checks the exception, and checks the index still answers correctly. */
    private void assertRejected(
            Executable call, Class<? extends Throwable> type, String... messageParts) {
        assertThatThrownBy(call::execute).isInstanceOf(type).hasMessageContainingAll(messageParts);
        assertThat(index.topK(QUERY, 2)).isEqualTo(expected);
    }

    @Test
    void topK_rejectsNonPositiveK() {
        assertRejected(
                () -> index.topK(QUERY, 0), IllegalArgumentException.class, "k must be > 0", "0");
        assertRejected(
                () -> index.topK(new float[][] {QUERY}, -3),
                IllegalArgumentException.class,
                "k must be > 0 but was -3");
    }

    @Test
    void topK_rejectsWrongQueryDimension_namingBothDimensions() {
        assertRejected(
                () -> index.topK(new float[3], 1),
                IllegalArgumentException.class,
                "query has dimension 3 but this index expects dimension 4");
        assertRejected(
                () -> index.topK(new float[][] {QUERY, new float[5]}, 1),
                IllegalArgumentException.class,
                "queries[1] has dimension 5 but this index expects dimension 4");
        assertRejected(
                () -> index.score(new float[0], 0),
                IllegalArgumentException.class,
                "query has dimension 0 but this index expects dimension 4");
    }

    @Test
    void topK_rejectsNonFiniteQueryValues() {
        assertRejected(
                () -> index.topK(new float[] {0, 0, Float.NaN, 0}, 1),
                IllegalArgumentException.class,
                "query holds NaN at position 2",
                "finite");
        assertRejected(
                () -> index.topK(new float[][] {QUERY, {Float.POSITIVE_INFINITY, 0, 0, 0}}, 1),
                IllegalArgumentException.class,
                "queries[1] holds Infinity at position 0");
    }

    @Test
    void topK_rejectsNulls() {
        assertRejected(() -> index.topK((float[]) null, 1), NullPointerException.class, "query");
        assertRejected(
                () -> index.topK(QUERY, 1, (Filter) null), NullPointerException.class, "filter");
        assertRejected(
                () -> index.topK(new float[][] {QUERY, null}, 1),
                NullPointerException.class,
                "queries[1]");
    }

    @Test
    void topK_rejectsFilterCountMismatch() {
        assertRejected(
                () -> index.topK(new float[][] {QUERY, QUERY}, 1, List.of(Filter.none())),
                IllegalArgumentException.class,
                "got 1 filters for 2 queries; pass one filter per query");
    }

    @Test
    void topK_rejectsCandidatesOutsideTheIndex() {
        assertRejected(
                () -> index.topK(QUERY, 1, Filter.candidates(0, 7)),
                IllegalArgumentException.class,
                "candidate item 7 is out of range: this index holds 3 items (indices 0 to 2)");
        assertRejected(
                () -> index.topK(new float[][] {QUERY}, 1, Filter.candidates(3)),
                IllegalArgumentException.class,
                "candidate item 3 is out of range");
    }

    @Test
    void scoreAndVector_rejectItemsOutsideTheIndex() {
        assertRejected(
                () -> index.score(QUERY, 3),
                IllegalArgumentException.class,
                "item 3 is out of range: this index holds 3 items (indices 0 to 2)");
        assertRejected(
                () -> index.scores(QUERY, 0, -1),
                IllegalArgumentException.class,
                "item -1 is out of range");
        assertRejected(() -> index.vector(99), IllegalArgumentException.class, "item 99");
    }

    @ParameterizedTest
    @EnumSource(
            value = Kernel.class,
            names = {"SCALAR", "VECTOR", "DJL"})
    void closedIndex_rejectsQueries_andCloseIsIdempotent(Kernel kernel) {
        EmbeddingIndex closing = EmbeddingIndex.builder(ITEMS, 4).kernel(kernel).build();
        assertThat(closing.topK(QUERY, 1)).containsExactly(new IndexHit(0, 3f));
        closing.close();
        closing.close();
        assertThatThrownBy(() -> closing.topK(QUERY, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the EmbeddingIndex is closed");
        assertThatThrownBy(() -> closing.topK(new float[][] {QUERY}, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the EmbeddingIndex is closed");
        assertThatThrownBy(() -> closing.vector(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the EmbeddingIndex is closed");
    }

    @Test
    void builder_rejectsBadMatrices() {
        assertThatThrownBy(() -> EmbeddingIndex.builder(null, 4))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("items");
        assertThatThrownBy(() -> EmbeddingIndex.builder(ITEMS, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dimension must be > 0 but was 0");
        assertThatThrownBy(() -> EmbeddingIndex.builder(new float[0], 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("items is empty");
        assertThatThrownBy(() -> EmbeddingIndex.builder(new float[10], 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "items has 10 values, which is not a multiple of dimension 4");
        float[] bad = ITEMS.clone();
        bad[9] = Float.NaN;
        assertThatThrownBy(() -> EmbeddingIndex.builder(bad, 4).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("item 2 holds NaN at dimension 1; item values must be finite");
    }

    @Test
    void builder_rejectsBadBias() {
        assertThatThrownBy(() -> EmbeddingIndex.builder(ITEMS, 4).bias(new float[2]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bias has 2 entries but there are 3 items");
        assertThatThrownBy(
                        () ->
                                EmbeddingIndex.builder(ITEMS, 4)
                                        .bias(new float[] {0, Float.NEGATIVE_INFINITY, 0})
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bias of item 1 is -Infinity; biases must be finite");
    }

    @Test
    void builder_rejectsRepeatedSettersAndBadCombinations() {
        assertThatThrownBy(
                        () ->
                                EmbeddingIndex.builder(ITEMS, 4)
                                        .precision(Precision.INT8)
                                        .precision(Precision.FLOAT32))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("precision was already set to INT8");
        assertThatThrownBy(
                        () ->
                                EmbeddingIndex.builder(ITEMS, 4)
                                        .kernel(Kernel.SCALAR)
                                        .kernel(Kernel.VECTOR))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("kernel was already set to SCALAR");
        assertThatThrownBy(() -> EmbeddingIndex.builder(ITEMS, 4).parallelism(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parallelism must be >= 1 but was 0");
        assertThatThrownBy(
                        () ->
                                EmbeddingIndex.builder(ITEMS, 4)
                                        .kernel(Kernel.DJL)
                                        .precision(Precision.INT8)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kernel DJL supports precision FLOAT32 only")
                .hasMessageContaining("use kernel VECTOR or SCALAR for INT8");
        assertThatThrownBy(() -> EmbeddingIndex.builder(ITEMS, 4).quantizeQueries(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("quantizeQueries(true) needs precision INT8 but precision is FLOAT32");
    }

    @Test
    void builder_rejectsInt8QueriesBeyondExactIntegerDimension() {
        int d = EmbeddingIndex.Builder.MAX_INT8_QUERY_DIMENSION + 1;
        assertThatThrownBy(
                        () ->
                                EmbeddingIndex.builder(new float[d], d)
                                        .precision(Precision.INT8)
                                        .quantizeQueries(true)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "quantizeQueries(true) supports dimensions up to 65536 but dimension is"
                                + " 65537");
    }

    @Test
    void filterBuilder_rejectsNegativeIndicesAndRepeats() {
        assertThatThrownBy(() -> Filter.candidates(3, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("candidate item indices must be >= 0 but got -1");
        assertThatThrownBy(() -> Filter.excluding(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("item indices must be >= 0 but got -5");
        assertThatThrownBy(() -> Filter.builder().exclude(1).exclude(2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("excluded items were already set");
        assertThatThrownBy(() -> Filter.builder().allowOnly(new BitSet()).allowOnly(new BitSet()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("allowed items were already set");
    }

    @Test
    void itemSet_copiesItsInput() {
        BitSet bits = new BitSet();
        bits.set(3);
        bits.set(130);
        ItemSet set = ItemSet.of(bits);
        bits.set(5);
        assertThat(set.size()).isEqualTo(2);
        assertThat(set.contains(3)).isTrue();
        assertThat(set.contains(5)).isFalse();
        assertThat(set.contains(-1)).isFalse();
        assertThat(set.toArray()).containsExactly(3, 130);
        assertThat(set).isEqualTo(ItemSet.of(130, 3, 3));
        assertThat(set.hashCode()).isEqualTo(ItemSet.of(130, 3).hashCode());
        assertThat(Filter.candidates(4, 1, 4).candidateItems()).containsExactly(1, 4);
    }
}
