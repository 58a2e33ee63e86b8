package dev.maas.spark;

import dev.maas.recommend.RecommenderPackage;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.train.FactorModel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link AveragingTrainer#fit}: the best round's model, whose properties record the
 * distributed run (partitions, rounds, rows), and each round's validation metric.
 *
 * @param model the model of the best round
 * @param partitions the number of shards
 * @param rounds every round run, in order
 * @param bestRound the round whose parameters are the model (from 1)
 * @param metric the validation metric ({@code rmse} or {@code ndcg@10})
 * @param bestValue its value at the best round
 * @param total the time the whole fit took
 */
public record AveragedModel(
        FactorModel model,
        int partitions,
        List<Round> rounds,
        int bestRound,
        String metric,
        double bestValue,
        Duration total) {

    /** Copies the round list. */
    public AveragedModel {
        Objects.requireNonNull(model, "model");
        rounds = List.copyOf(rounds);
    }

    /**
     * Returns a publishable recommender of the model trained on {@code train}; its card carries the
     * validation metric and, as {@code train.distributed.*} properties, the run.
     */
    public RecommenderPackage toPackage(Interactions train) {
        return RecommenderPackage.builder()
                .model(model)
                .trainingData(train)
                .metric("validation." + metric, bestValue)
                .description(
                        "Trained on Spark by model averaging over "
                                + partitions
                                + " partitions, "
                                + rounds.size()
                                + " rounds")
                .build();
    }

    /**
     * One round.
     *
     * @param round its number, from 1
     * @param metric the validation metric
     * @param value its value after averaging
     * @param improved whether it was the best so far
     * @param took the round's time
     */
    public record Round(int round, String metric, double value, boolean improved, Duration took) {}
}
