/**
 * Offline evaluation of recommenders: rating accuracy (RMSE, MAE) and top-K ranking quality (HR,
 * NDCG, Recall, Precision, MAP, coverage) under full ranking or sampled negatives ({@link
 * dev.maas.recommend.eval.RankingProtocol}), compared with the {@link
 * dev.maas.recommend.eval.BiasBaseline} and {@link dev.maas.recommend.eval.PopularityBaseline} in
 * one {@link dev.maas.recommend.eval.EvaluationReport}.
 *
 * <pre>{@code
 * EvaluationReport report =
 *         Evaluator.builder().k(10).build()
 *                 .compare(split.train(), split.test(), List.of(model.asCandidate("bpr")));
 * System.out.println(report.toTable());
 * }</pre>
 */
package dev.maas.recommend.eval;
