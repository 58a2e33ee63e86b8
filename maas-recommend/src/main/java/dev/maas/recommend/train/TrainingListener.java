package dev.maas.recommend.train;

/**
 * Receives training progress, for example to draw a progress bar. Called on the training thread;
 * implementations should return quickly. An exception thrown by a listener aborts training.
 */
@FunctionalInterface
public interface TrainingListener {
    /** A listener that ignores everything. */
    TrainingListener NONE = stats -> {};

    /** Called after each epoch, validation included. */
    void onEpoch(EpochStats stats);

    /**
     * Called after each mini-batch with the examples done so far in the current epoch; the default
     * does nothing.
     */
    default void onBatch(int epoch, long examplesDone, long examplesPerEpoch) {}
}
