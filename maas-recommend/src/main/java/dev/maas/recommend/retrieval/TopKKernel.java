package dev.maas.recommend.retrieval;

/**
 * A scoring loop over one item layout. Implementations are immutable after construction and safe
 * for concurrent queries; each query brings its own {@link TopKCollector}.
 *
 * <p>Arguments are validated by {@link EmbeddingIndex} before they get here.
 */
interface TopKKernel extends AutoCloseable {

    /** Which kernel this is. */
    Kernel kind();

    /**
     * Partition boundaries passed to {@link #search} must be multiples of this; 0 if the kernel
     * cannot scan a part of the index (it then always scans everything).
     */
    int alignment();

    /** Offers every item in {@code [from, to)} that passes {@code filter} (not its candidates). */
    void search(float[] query, Filter filter, int from, int to, TopKCollector out);

    /** Like {@link #search} over all items for each query; {@code filters[i]} has no candidates. */
    void searchBatch(float[][] queries, Filter[] filters, TopKCollector[] outs);

    /**
     * Offers the given candidates (ascending, distinct, in range) that pass {@code filter}'s
     * excluded and allowed sets.
     */
    void searchCandidates(float[] query, int[] candidates, Filter filter, TopKCollector out);

    /** Returns the score of one item, computed exactly as {@link #search} computes it. */
    float score(float[] query, int item);

    /** Returns a copy of the stored vector of one item (dequantised for int8). */
    float[] vector(int item);

    /** Returns the bytes held for the item data (vectors, scales, biases). */
    long memoryBytes();

    /** Frees native memory, if any; idempotent. */
    @Override
    void close();
}
