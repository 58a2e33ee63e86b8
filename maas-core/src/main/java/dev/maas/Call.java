package dev.maas;

import ai.djl.ndarray.NDList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One call queued on a model version: its inputs as bytes, its timing, and a state that decides
 * exactly once how it ends. A call that may run on its caller's thread can instead carry the
 * caller's own arrays ({@link #local()}), read into bytes only if it has to queue ({@link
 * #detach()}). Workers, deadline timers and cancelling callers race to end a call; whoever moves
 * the state to {@link #DONE} first completes {@link #result()}, the others back off.
 *
 * <p>Thread-safe.
 */
final class Call implements BatchQueue.Queued {
    static final int QUEUED = 0;
    static final int RUNNING = 1;
    static final int DONE = 2;

    private Tensors.Input input;
    private NDList local;
    private final Supplier<Tensors.Input> extract;
    private final int localRows;
    private NDList localOutput;
    private final long startedAt;
    private final long deadline;
    private final boolean shadow;
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final CompletableFuture<List<Tensors.Tensor>> result = new CompletableFuture<>();
    private volatile java.util.function.Consumer<Throwable> onEnd = e -> {};
    private volatile long enqueuedAt;
    private volatile long runAt;

    /**
     * @param startedAt when the caller made the call (ticker nanoseconds)
     * @param deadline when it expires; {@link Long#MAX_VALUE} for never
     * @param shadow whether this is a mirrored copy whose result nobody reads
     */
    Call(Tensors.Input input, long startedAt, long deadline, boolean shadow) {
        this(input, null, null, 0, startedAt, deadline, shadow);
    }

    private Call(
            Tensors.Input input,
            NDList local,
            Supplier<Tensors.Input> extract,
            int localRows,
            long startedAt,
            long deadline,
            boolean shadow) {
        this.input = input;
        this.local = local;
        this.extract = extract;
        this.localRows = localRows;
        this.startedAt = startedAt;
        this.deadline = deadline;
        this.shadow = shadow;
        this.enqueuedAt = startedAt;
    }

    /**
     * A blocking call without deadline whose arrays are on the model's engine and device: if it
     * runs on its caller's thread, the predictor takes {@code arrays} as they are.
     *
     * @param rows the rows it brings, for the metrics
     * @param extract reads the arrays into bytes, should the call have to queue
     */
    static Call local(NDList arrays, int rows, Supplier<Tensors.Input> extract, long startedAt) {
        return new Call(null, arrays, extract, rows, startedAt, Long.MAX_VALUE, false);
    }

    /** The inputs as bytes; for a {@link #local} call only after {@link #detach()}. */
    Tensors.Input input() {
        if (input == null) {
            throw new IllegalStateException("a local call is read only after detach()");
        }
        return input;
    }

    /**
     * The caller's arrays, for a call that runs on its caller's thread; null for a call that
     * carries bytes. Only the caller's thread uses them.
     */
    NDList local() {
        return local;
    }

    /**
     * Reads a {@link #local} call's arrays into bytes, before it queues; on the caller's thread.
     */
    void detach() {
        if (input == null) {
            input = extract.get();
            local = null;
        }
    }

    /** The rows of a local call (for the metrics). */
    int localRows() {
        return localRows;
    }

    /** The outputs of a local call that ran: arrays of the caller's manager; else null. */
    NDList localOutput() {
        return localOutput;
    }

    void localOutput(NDList outputs) {
        this.localOutput = outputs;
    }

    long startedAt() {
        return startedAt;
    }

    boolean shadow() {
        return shadow;
    }

    /** The outputs, or the failure; completed by whoever ends the call. */
    CompletableFuture<List<Tensors.Tensor>> result() {
        return result;
    }

    void enqueuedAt(long nanos) {
        this.enqueuedAt = nanos;
    }

    @Override
    public long enqueuedAt() {
        return enqueuedAt;
    }

    /** When a worker started it, or 0. */
    long runAt() {
        return runAt;
    }

    @Override
    public long deadline() {
        return deadline;
    }

    @Override
    public int rows() {
        return input().rows();
    }

    @Override
    public Object batchKey() {
        return input().key();
    }

    /**
     * Sets what runs when the call ends, before {@link #result()} completes: bookkeeping such as
     * releasing the model, which must be done by the time the caller sees the result.
     */
    void onEnd(java.util.function.Consumer<Throwable> onEnd) {
        this.onEnd = onEnd;
    }

    /**
     * Completes the call; only for the one whose {@link #end()} returned a non-negative state. Runs
     * {@link #onEnd} first, then completes {@link #result()} with {@code outputs} or {@code
     * failure}.
     */
    void settle(List<Tensors.Tensor> outputs, Throwable failure) {
        try {
            onEnd.accept(failure);
        } finally {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(outputs);
            }
        }
    }

    /** Moves a queued call to running; false if it already ended (expired or cancelled). */
    boolean start(long now) {
        if (state.compareAndSet(QUEUED, RUNNING)) {
            runAt = now;
            return true;
        }
        return false;
    }

    /**
     * Ends the call; returns the state it ended from ({@link #QUEUED} or {@link #RUNNING}), or
     * {@code -1} if it had already ended. Only a caller that got a non-negative answer may complete
     * {@link #result()}.
     */
    int end() {
        while (true) {
            int s = state.get();
            if (s == DONE) {
                return -1;
            }
            if (state.compareAndSet(s, DONE)) {
                return s;
            }
        }
    }

    boolean isDone() {
        return state.get() == DONE;
    }
}
