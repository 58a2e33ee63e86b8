package dev.maas.compression;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A short fine-tuning pass that keeps a compressed model compressed: after every optimiser step the
 * parameters are projected back onto the compression ({@link CompressedBlock#project}: pruned
 * weights to zero, low-rank weights to their rank, quantized weights onto their grid).
 *
 * <p>Not thread-safe with respect to the model, which it trains.
 */
public final class FineTuning {
    private FineTuning() {}

    /**
     * Trains {@code model} on {@code (x, y)} in order (no shuffling) for {@code epochs} epochs of
     * Adam at {@code learningRate}, projecting onto {@code compression} after each step.
     *
     * @param model the model whose block {@code compression} describes
     * @param compression the compression to keep
     * @param x inputs, batch on the first axis
     * @param y targets, batch on the first axis
     * @param loss the training loss
     * @param epochs passes over the data
     * @param batchSize examples per step
     * @param learningRate Adam's learning rate
     * @return the compression of the fine-tuned parameters, and the mean training loss per epoch
     * @throws IllegalArgumentException if a number is out of range
     */
    public static Result fineTune(
            Model model,
            CompressedBlock compression,
            NDArray x,
            NDArray y,
            Loss loss,
            int epochs,
            int batchSize,
            float learningRate) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(compression, "compression");
        if (epochs < 1 || batchSize < 1 || !(learningRate > 0)) {
            throw new IllegalArgumentException(
                    "fine-tuning needs epochs >= 1, batchSize >= 1 and learningRate > 0, were "
                            + epochs
                            + ", "
                            + batchSize
                            + ", "
                            + learningRate);
        }
        long n = x.getShape().get(0);
        // Initialising a trainer may reset the parameters: keep the current ones.
        CompressedBlock current = compression.capture(model.getBlock());
        DefaultTrainingConfig config =
                new DefaultTrainingConfig(loss)
                        .optOptimizer(
                                Adam.builder()
                                        .optLearningRateTracker(Tracker.fixed(learningRate))
                                        .build());
        List<Double> losses = new ArrayList<>();
        try (Trainer trainer = model.newTrainer(config)) {
            long[] dims = x.getShape().getShape().clone();
            dims[0] = batchSize;
            trainer.initialize(new Shape(dims));
            current.applyTo(model.getBlock());
            for (int e = 0; e < epochs; e++) {
                double sum = 0;
                long seen = 0;
                for (long from = 0; from < n; from += batchSize) {
                    long to = Math.min(n, from + batchSize);
                    try (NDManager batch = trainer.getManager().newSubManager()) {
                        NDArray xb = x.get(new NDIndex(from + ":" + to));
                        NDArray yb = y.get(new NDIndex(from + ":" + to));
                        xb.attach(batch);
                        yb.attach(batch);
                        NDArray l;
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray pred = trainer.forward(new NDList(xb)).singletonOrThrow();
                            l = loss.evaluate(new NDList(yb), new NDList(pred));
                            gc.backward(l);
                        }
                        trainer.step();
                        sum += l.getFloat() * (to - from);
                        seen += to - from;
                    }
                    compression.project(model.getBlock());
                }
                losses.add(sum / seen);
            }
        }
        CompressedBlock tuned = compression.capture(model.getBlock());
        if (tuned.settings().containsKey("fineTuneEpochs")) {
            int before = Integer.parseInt(tuned.settings().get("fineTuneEpochs"));
            tuned = tuned.withSetting("fineTuneEpochs", Integer.toString(before + epochs));
        }
        return new Result(tuned, List.copyOf(losses));
    }

    /**
     * What fine-tuning returns.
     *
     * @param compressed the compression of the fine-tuned parameters
     * @param epochLosses the mean training loss of each epoch
     */
    public record Result(CompressedBlock compressed, List<Double> epochLosses) {}
}
