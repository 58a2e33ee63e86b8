package dev.maas.recommend;

import java.util.BitSet;

/** Top-K inner-product search over item vectors, with exclusions, allow-lists and candidates. */
interface ItemIndex extends AutoCloseable {
    /**
     * Returns up to {@code k} best items for {@code query}, best first; ties by ascending index.
     *
     * @param excluded items never returned; may be null
     * @param allowed when not null, only these items are returned
     * @param candidates when not null, only these items are scored
     */
    Hit[] topK(float[] query, int k, BitSet excluded, BitSet allowed, int[] candidates);

    /** Returns the score of one item, as {@link #topK} computes it. */
    float score(float[] query, int item);

    /** Returns the bytes held. */
    long memoryBytes();

    @Override
    void close();

    /** One result: item index and score. */
    record Hit(int item, float score) {}
}
