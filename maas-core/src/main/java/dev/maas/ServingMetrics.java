package dev.maas;

import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Where the serving runtime reports what it does. {@link #NONE} drops everything; {@link
 * MicrometerMetrics} records into a Micrometer registry and is the only class that touches
 * Micrometer, so maas runs without Micrometer on the class path when no registry is given.
 *
 * <p>Implementations are thread-safe.
 */
interface ServingMetrics {
    /**
     * How a call ended; the {@code outcome} tag. Calls that fail before they reach a version (model
     * not found, access denied, quota exceeded) are not counted: they have no version to tag.
     */
    enum Outcome {
        SUCCESS("success"),
        INVALID_INPUT("invalid_input"),
        OVERLOADED("overloaded"),
        DEADLINE_EXCEEDED("deadline_exceeded"),
        /** Any other failure: the engine failed, the model closed, an unexpected exception. */
        ERROR("error"),
        CANCELLED("cancelled");

        final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }

        static Outcome of(Throwable failure) {
            if (failure == null) {
                return SUCCESS;
            }
            if (failure instanceof java.util.concurrent.CompletionException
                    && failure.getCause() != null) {
                failure = failure.getCause();
            }
            if (failure instanceof InvalidInputException) {
                return INVALID_INPUT;
            }
            if (failure instanceof OverloadedException) {
                return OVERLOADED;
            }
            if (failure instanceof DeadlineExceededException) {
                return DEADLINE_EXCEEDED;
            }
            if (failure instanceof java.util.concurrent.CancellationException) {
                return CANCELLED;
            }
            return ERROR;
        }
    }

    /** The meters of one model version. */
    interface VersionMetrics {
        /** One call ended; {@code shadow} for mirrored calls. */
        void request(Outcome outcome, boolean shadow, long latencyNanos);

        /** One call waited {@code nanos} in the queue before its batch started. */
        void queued(long nanos);

        /** One batch of {@code rows} rows ran in {@code nanos}. */
        void batch(int rows, long nanos);

        /** Reports the queue depth from {@code depth} until {@link #close()}. */
        void queueDepth(IntSupplier depth);

        /** Stops reporting gauges that read the (now closed) runtime. */
        void close();
    }

    /** Returns the meters of {@code card}'s version. */
    VersionMetrics version(ModelCard card);

    /** One load of {@code ref} finished in {@code nanos}. */
    void load(ModelRef ref, long nanos, boolean success);

    /**
     * Reports the model cache from {@code stats} (lookups, loads, evictions, size) and {@code
     * weightBytes} (the summed weight of the models it holds) until {@link #close()}.
     */
    void store(Supplier<StoreStats> stats, LongSupplier weightBytes);

    /** Stops reporting service-wide gauges (the service is closed). */
    void close();

    /** Records nothing. */
    ServingMetrics NONE =
            new ServingMetrics() {
                private final VersionMetrics none =
                        new VersionMetrics() {
                            @Override
                            public void request(
                                    Outcome outcome, boolean shadow, long latencyNanos) {}

                            @Override
                            public void queued(long nanos) {}

                            @Override
                            public void batch(int rows, long nanos) {}

                            @Override
                            public void queueDepth(IntSupplier depth) {}

                            @Override
                            public void close() {}
                        };

                @Override
                public VersionMetrics version(ModelCard card) {
                    return none;
                }

                @Override
                public void load(ModelRef ref, long nanos, boolean success) {}

                @Override
                public void store(Supplier<StoreStats> stats, LongSupplier weightBytes) {}

                @Override
                public void close() {}
            };
}
