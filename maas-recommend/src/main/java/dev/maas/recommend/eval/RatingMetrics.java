package dev.maas.recommend.eval;

/**
 * Accuracy of predicted ratings on a test set.
 *
 * @param count the number of test ratings
 * @param rmse root mean squared error
 * @param mae mean absolute error
 */
public record RatingMetrics(long count, double rmse, double mae) {}
