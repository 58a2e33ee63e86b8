package dev.maas.recommend.tune;

import dev.maas.recommend.train.TrainingConfig;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a {@link Tuner} found: every trial, the winning settings and how they compare with the
 * defaults on the validation split. Immutable.
 *
 * @param metric the validation measure ({@code ndcg@10} or {@code rmse})
 * @param lowerIsBetter whether smaller values of the measure are better
 * @param trials every trial, in the order run
 * @param best the winning settings (full epochs)
 * @param bestValue the winner's validation value
 * @param defaultValue the defaults' validation value (the defaults are always trial 0, at full
 *     epochs, so {@code bestValue} is never worse)
 * @param seconds the time the search took
 */
public record TuningResult(
        String metric,
        boolean lowerIsBetter,
        List<Trial> trials,
        TrainingConfig best,
        double bestValue,
        double defaultValue,
        double seconds) {

    /** Copies the trials. */
    public TuningResult {
        Objects.requireNonNull(metric, "metric");
        trials = List.copyOf(trials);
        Objects.requireNonNull(best, "best");
    }

    /** Returns the trials as a fixed-width table, best candidate marked. */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%-5s %-4s %-7s %-10s %-8s %s%n",
                        "cand",
                        "rung",
                        "epochs",
                        metric,
                        "seconds",
                        "settings"));
        for (Trial t : trials) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%-5s %-4d %-7d %-10.4f %-8.2f %s%s%n",
                            t.candidate() == 0 ? "dflt" : "#" + t.candidate(),
                            t.rung(),
                            t.config().epochs(),
                            t.value(),
                            t.seconds(),
                            Tuner.describe(t.config()),
                            t.config().toBuilder()
                                            .retrainOnAll(best.retrainOnAll())
                                            .build()
                                            .equals(best)
                                    ? "  <- best"
                                    : ""));
        }
        sb.append(
                String.format(
                        Locale.ROOT,
                        "best %s %.4f vs defaults %.4f, %d trials in %.1f s",
                        metric,
                        bestValue,
                        defaultValue,
                        trials.size(),
                        seconds));
        return sb.toString();
    }
}
