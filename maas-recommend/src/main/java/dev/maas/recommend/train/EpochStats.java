package dev.maas.recommend.train;

import java.time.Duration;

/**
 * Progress of one training epoch, as reported to a {@link TrainingListener}.
 *
 * @param epoch the epoch just finished, from 1
 * @param maxEpochs the most epochs training will run (it may stop earlier)
 * @param trainLoss the mean training objective over the epoch (loss plus regularisation)
 * @param validationMetric the name of the validation measure, such as {@code "rmse"} or {@code
 *     "ndcg@10"}
 * @param validationValue its value after this epoch; {@code NaN} without a validation set
 * @param improved whether this epoch is the best so far (its parameters are kept)
 * @param examplesPerSecond training examples (ratings, or positive-negative pairs) per second of
 *     optimisation, validation excluded
 * @param duration wall time of the epoch, validation included
 */
public record EpochStats(
        int epoch,
        int maxEpochs,
        double trainLoss,
        String validationMetric,
        double validationValue,
        boolean improved,
        double examplesPerSecond,
        Duration duration) {}
