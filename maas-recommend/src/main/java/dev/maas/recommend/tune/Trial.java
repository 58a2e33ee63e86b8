package dev.maas.recommend.tune;

import dev.maas.recommend.train.TrainingConfig;
import java.util.Objects;

/**
 * One training of one candidate setting during a search.
 *
 * @param candidate the candidate's number ({@code 0} is the defaults)
 * @param config the settings, with the epochs of this rung
 * @param rung the successive-halving rung (0 is the cheapest; the last trains all epochs)
 * @param value the validation measure (NDCG@10, higher is better, or RMSE, lower is better)
 * @param seconds how long the training and validation took
 */
public record Trial(int candidate, TrainingConfig config, int rung, double value, double seconds) {
    /** Checks the parts. */
    public Trial {
        Objects.requireNonNull(config, "config");
    }
}
