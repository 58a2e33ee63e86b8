package dev.maas.recommend.eval;

/**
 * Quality of top-K recommendation lists, averaged over the evaluated users (each user counts once,
 * however many test items they have). See {@link Metrics} for the definitions.
 *
 * @param k the list length
 * @param protocol how candidates were chosen
 * @param users the number of users evaluated (those with at least one relevant test item)
 * @param hitRate HR@K: share of users with at least one relevant item in their list
 * @param ndcg NDCG@K with binary relevance
 * @param recall Recall@K: relevant items found, over the user's relevant items
 * @param precision Precision@K: relevant items found, over K
 * @param map MAP@K: mean average precision, normalised by {@code min(K, relevant)}
 * @param coverage share of the catalogue that appears in at least one user's list
 */
public record RankingMetrics(
        int k,
        RankingProtocol protocol,
        int users,
        double hitRate,
        double ndcg,
        double recall,
        double precision,
        double map,
        double coverage) {}
