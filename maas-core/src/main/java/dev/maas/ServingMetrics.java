package dev.maas;

import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Where the serving runtime reports what it does. {@link #NONE} drops everything; {@link
 * MicrometerMetrics} records into a Micrometer registry and is the only class that touches
 * Micrometer, so maas runs without Micrometer on the class path when no registry is given.
 *
 * <p>Implementations are thread-safe.
 */
interface ServingMetrics {
    /** How a call ended; the {@code outcome} tag. */
    enum Outcome {
        SUCCESS("success"),
        INVALID_INPUT("invalid_input"),
        OVERLOADED("overloaded"),
        DEADLINE_EXCEEDED("deadline_exceeded"),
        FAILED("failed"),
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
            return FAILED;
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

    /** A call found {@code ref} loaded ({@code hit}) or had to wait for its load. */
    void cache(ModelRef ref, boolean hit);

    /** {@code ref} left the model cache ({@code cause}: size or expired). */
    void evicted(ModelRef ref, String cause);

    /** Reports the model cache's size from {@code stats} until {@link #close()}. */
    void store(Supplier<StoreStats> stats);

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
                public void cache(ModelRef ref, boolean hit) {}

                @Override
                public void evicted(ModelRef ref, String cause) {}

                @Override
                public void store(Supplier<StoreStats> stats) {}

                @Override
                public void close() {}
            };
}
