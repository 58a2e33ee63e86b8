package dev.maas;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How loaded models serve calls: dynamic batching, workers, queue bound and warm-up. Set for the
 * whole service with {@link ModelService.Builder#serving(ServingOptions)}; a model's card can
 * override each setting with the properties named by the constants here (for example {@code
 * maas.batching=false} for a model whose outputs do not follow the batch dimension). Immutable and
 * thread-safe.
 *
 * <p><b>Batching.</b> Calls to one model version wait in a bounded queue; a free worker takes the
 * longest run of queued calls whose inputs can be concatenated along dimension 0, up to {@code
 * maxBatchSize} rows, runs them as one batch and splits the outputs back, each caller receiving its
 * own rows. A batch is taken at once when it is full; otherwise the worker waits until its oldest
 * call has waited {@code maxBatchDelay}. The default delay is zero: under load, batches still form
 * from the calls that queue while the workers are busy, so nothing is added to latency; a delay
 * trades latency for larger batches when traffic is light. A model batches only when every input of
 * its card's signature has {@code -1} (any size) as first dimension.
 *
 * <p><b>Calls that run on the caller's thread.</b> With no delay (the default), a blocking call
 * without deadline ({@link Endpoint#predict(ai.djl.ndarray.NDList)}) that finds nothing queued and
 * the model idle does not queue: it runs at once on the caller's thread, so a lone call costs about
 * what a direct predictor call costs, with no hand-off to a worker and back. When the caller's
 * arrays live on the model's engine and device, they go to the predictor as they are and the
 * outputs stay arrays of the caller's manager, with no copy either way.
 *
 * <p>What happens to a blocking call when the model is busy depends on how long the model takes per
 * call (a run's time divided by the calls in it, measured as it serves) against {@code
 * handOffCost}, what handing a call to a worker thread and back costs (default 50 µs: two thread
 * wake-ups on a loaded machine):
 *
 * <ul>
 *   <li>Longer, in most of the last few runs: calls queue while any predictor is busy and are
 *       batched, which is where batching multiplies throughput.
 *   <li>Quicker: queueing would cost more than it saves, so a caller that finds no idle predictor
 *       makes one of its own (predictors share the model's weights) and runs its call at once, up
 *       to {@code maxPredictors} predictors in all (default 16 per core, at least the workers);
 *       only beyond that do calls queue.
 * </ul>
 *
 * <p>{@code handOffCost} zero makes every model count as slow. Asynchronous calls, calls with a
 * deadline (so the caller can give up on time while the model runs), shadow copies, and every call
 * when a delay is set, always go through the queue and the workers.
 *
 * <p><b>Workers.</b> Each worker is a thread that makes one DJL predictor (predictors are not
 * thread-safe); the predictors form the model's pool, each used by one thread at a time: a worker
 * running a batch or a caller running its own call. With {@code workers = 0} (the default) the
 * count follows the engine's thread settings: with {@link EngineOptions#INTRA_OP_THREADS} set to
 * {@code t}, {@code cores / t} workers, so that workers times threads per operator matches the
 * cores (DJL's advice for multi-threaded inference: set the engine's intra-op threads, and inter-op
 * threads to 1, when several threads predict at once; otherwise each of them spreads every operator
 * over all cores and they oversubscribe the CPU). Without it the engine already uses every core
 * inside each operator, so two workers (one on a single core): the second overlaps batch assembly
 * and hand-over with the first one's compute, and more would only compete for the same cores.
 *
 * <p><b>Warm-up.</b> When the card declares an input signature, each worker runs the model once per
 * warm-up batch size (default: powers of two up to {@code maxBatchSize}, and {@code maxBatchSize})
 * on zeros before the model is reported ready, so the first user calls do not pay one-time costs
 * such as PyTorch's JIT graph optimisation, which specialises the graph for the shapes it sees. For
 * TorchScript models that receive many different batch sizes, consider also turning the graph
 * optimizer off ({@link EngineOptions#GRAPH_OPTIMIZER} {@code false}): it re-optimises for new
 * shapes, which shows up as latency spikes.
 *
 * @param maxBatchSize the most rows in one batch; a single call with more rows runs alone
 * @param maxBatchDelay how long a batch may wait to fill; zero for no wait
 * @param queueCapacity the most calls queued per model version; further calls fail at once with
 *     {@link OverloadedException}
 * @param workers workers per model version; 0 to size from cores and engine threads
 * @param warmUp whether to warm models up at load
 * @param warmUpBatchSizes the batch sizes to warm up with; empty for the default
 * @param maxPredictors the most predictors per model version, the workers' and those callers make;
 *     0 for 16 per core (never fewer than the workers)
 * @param handOffCost runs quicker than this are not worth a hand-off to a worker (see above); zero
 *     to always queue calls when a predictor is busy
 */
public record ServingOptions(
        int maxBatchSize,
        Duration maxBatchDelay,
        int queueCapacity,
        int workers,
        boolean warmUp,
        List<Integer> warmUpBatchSizes,
        int maxPredictors,
        Duration handOffCost) {

    /** Card property: {@code false} makes the model run calls one by one. */
    public static final String BATCHING = "maas.batching";

    /** Card property: overrides {@link #maxBatchSize()}. */
    public static final String MAX_BATCH_SIZE = "maas.maxBatchSize";

    /** Card property: overrides {@link #maxBatchDelay()}, in milliseconds (decimals allowed). */
    public static final String MAX_BATCH_DELAY_MILLIS = "maas.maxBatchDelayMillis";

    /** Card property: overrides {@link #queueCapacity()}. */
    public static final String QUEUE_CAPACITY = "maas.queueCapacity";

    /** Card property: overrides {@link #workers()}. */
    public static final String WORKERS = "maas.workers";

    /** Card property: overrides {@link #warmUp()} ({@code true}/{@code false}). */
    public static final String WARM_UP = "maas.warmUp";

    /** Card property: overrides {@link #maxPredictors()}. */
    public static final String MAX_PREDICTORS = "maas.maxPredictors";

    /** Card property: overrides {@link #handOffCost()}, in microseconds. */
    public static final String HAND_OFF_COST_MICROS = "maas.handOffCostMicros";

    /** The longest batch delay accepted. */
    static final Duration MAX_DELAY = Duration.ofHours(1);

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if a number is out of range (the message says which)
     */
    public ServingOptions {
        Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
        if (maxBatchSize <= 0) {
            throw new IllegalArgumentException("maxBatchSize must be > 0, was " + maxBatchSize);
        }
        if (maxBatchDelay.isNegative() || maxBatchDelay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException(
                    "maxBatchDelay must be between 0 and " + MAX_DELAY + ", was " + maxBatchDelay);
        }
        if (queueCapacity <= 0) {
            throw new IllegalArgumentException("queueCapacity must be > 0, was " + queueCapacity);
        }
        if (workers < 0) {
            throw new IllegalArgumentException("workers must be >= 0 (0 = auto), was " + workers);
        }
        if (maxPredictors < 0) {
            throw new IllegalArgumentException(
                    "maxPredictors must be >= 0 (0 = auto), was " + maxPredictors);
        }
        Objects.requireNonNull(handOffCost, "handOffCost");
        if (handOffCost.isNegative() || handOffCost.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException(
                    "handOffCost must be between 0 and " + MAX_DELAY + ", was " + handOffCost);
        }
        warmUpBatchSizes = List.copyOf(warmUpBatchSizes);
        for (int size : warmUpBatchSizes) {
            if (size <= 0) {
                throw new IllegalArgumentException(
                        "warm-up batch sizes must be > 0, were " + warmUpBatchSizes);
            }
        }
    }

    /**
     * Returns the defaults: batches of up to 32 rows, no batch delay, 1024 queued calls per model
     * version, workers and predictors sized automatically, warm-up on, a hand-off cost of 50 µs.
     */
    public static ServingOptions defaults() {
        return builder().build();
    }

    /** Returns a builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxBatchSize = maxBatchSize;
        b.maxBatchDelay = maxBatchDelay;
        b.queueCapacity = queueCapacity;
        b.workers = workers;
        b.warmUp = warmUp;
        b.warmUpBatchSizes = warmUpBatchSizes;
        b.maxPredictors = maxPredictors;
        b.handOffCost = handOffCost;
        return b;
    }

    /** Builds {@link ServingOptions}. Not thread-safe. */
    public static final class Builder {
        private int maxBatchSize = 32;
        private Duration maxBatchDelay = Duration.ZERO;
        private int queueCapacity = 1024;
        private int workers;
        private boolean warmUp = true;
        private List<Integer> warmUpBatchSizes = List.of();
        private int maxPredictors;
        private Duration handOffCost = Duration.ofNanos(50_000);

        private Builder() {}

        /** Sets the most rows in one batch; 1 turns batching off. */
        public Builder maxBatchSize(int rows) {
            this.maxBatchSize = rows;
            return this;
        }

        /** Sets how long a batch may wait to fill. */
        public Builder maxBatchDelay(Duration delay) {
            this.maxBatchDelay = Objects.requireNonNull(delay, "maxBatchDelay");
            return this;
        }

        /** Sets the most calls queued per model version. */
        public Builder queueCapacity(int calls) {
            this.queueCapacity = calls;
            return this;
        }

        /** Sets the workers per model version; 0 sizes them automatically. */
        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** Sets whether models are warmed up at load. */
        public Builder warmUp(boolean warmUp) {
            this.warmUp = warmUp;
            return this;
        }

        /** Sets the batch sizes used for warm-up. */
        public Builder warmUpBatchSizes(int... sizes) {
            this.warmUpBatchSizes = java.util.Arrays.stream(sizes).boxed().toList();
            return this;
        }

        /** Sets the most predictors per model version; 0 sizes them automatically. */
        public Builder maxPredictors(int predictors) {
            this.maxPredictors = predictors;
            return this;
        }

        /** Sets the run time below which calls are not worth a hand-off; zero always queues. */
        public Builder handOffCost(Duration cost) {
            this.handOffCost = Objects.requireNonNull(cost, "handOffCost");
            return this;
        }

        /**
         * Returns the options.
         *
         * @throws IllegalArgumentException if a setting is out of range
         */
        public ServingOptions build() {
            return new ServingOptions(
                    maxBatchSize,
                    maxBatchDelay,
                    queueCapacity,
                    workers,
                    warmUp,
                    warmUpBatchSizes,
                    maxPredictors,
                    handOffCost);
        }
    }
}
