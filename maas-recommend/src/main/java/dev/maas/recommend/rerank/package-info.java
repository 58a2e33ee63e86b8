/**
 * Re-ranking beyond accuracy: {@link dev.maas.recommend.rerank.Reranker} trades a little relevance
 * for diversity (maximal marginal relevance over genre or item-vector similarity) and freshness (a
 * boost that decays with an item's age); {@link dev.maas.recommend.rerank.RerankEvaluation}
 * measures the effect on NDCG, coverage and intra-list diversity.
 */
package dev.maas.recommend.rerank;
