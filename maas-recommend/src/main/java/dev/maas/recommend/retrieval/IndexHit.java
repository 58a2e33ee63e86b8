package dev.maas.recommend.retrieval;

/**
 * One result of a top-K query: the item's index in the {@link EmbeddingIndex} and its score.
 *
 * <p>Results are ordered by score, highest first; equal scores are ordered by ascending index so
 * that the same query always returns the same list.
 *
 * @param index the item's row in the index, {@code 0 <= index < size}
 * @param score {@code dot(query, item) + bias(item)} as computed by the index's kernel
 */
public record IndexHit(int index, float score) {}
