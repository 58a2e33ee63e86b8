package dev.maas.recommend.retrieval;

/** How an {@link EmbeddingIndex} stores its item vectors. */
public enum Precision {
    /** Exact: 4 bytes per value; scores equal a float dot product (up to summation order). */
    FLOAT32,
    /**
     * Each item row quantised to signed bytes with its own scale ({@code max|x| / 127}): about a
     * quarter of the memory and of the bytes read per query, at a small loss of ranking accuracy.
     * Queries stay in float unless {@link EmbeddingIndex.Builder#quantizeQueries(boolean)} is set.
     */
    INT8
}
