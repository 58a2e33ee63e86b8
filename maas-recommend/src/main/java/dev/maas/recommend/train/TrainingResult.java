package dev.maas.recommend.train;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What {@link RecommenderTrainer#fit} returns: the model of the best epoch and the history.
 *
 * @param model the trained model, with the parameters of the best validation epoch (the last epoch
 *     when there is no validation set)
 * @param config the configuration it was trained with
 * @param epochs one entry per epoch run
 * @param bestEpoch the epoch whose parameters the model holds, from 1
 * @param duration total wall time, data preparation and validation included
 */
public record TrainingResult(
        FactorModel model,
        TrainingConfig config,
        List<EpochStats> epochs,
        int bestEpoch,
        Duration duration) {

    /** Copies the history. */
    public TrainingResult {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(config, "config");
        epochs = List.copyOf(epochs);
    }

    /** Returns the validation value of the best epoch ({@code NaN} without validation). */
    public double bestValidationValue() {
        return epochs.isEmpty() ? Double.NaN : epochs.get(bestEpoch - 1).validationValue();
    }
}
