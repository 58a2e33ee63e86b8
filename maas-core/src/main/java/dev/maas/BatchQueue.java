package dev.maas;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The batching policy of one model version, apart from threads and tensors: a bounded FIFO of
 * queued calls and the rule that decides, at a given instant, whether a batch is ready.
 *
 * <p>A batch is the longest run of calls from the head of the queue that share a batch key (inputs
 * that can be concatenated along dimension 0), up to {@code maxRows} rows and {@code maxItems}
 * calls. It is dispatched at once when it cannot grow any more (the limits are reached, or the next
 * call does not fit or has another key), and otherwise once its oldest call has waited {@code
 * maxDelayNanos}. Calls whose deadline has passed are removed and reported, never dispatched.
 *
 * <p>Time is passed in, so the policy is tested with a fake clock. Not thread-safe: {@link Batcher}
 * guards it with its lock.
 *
 * @param <T> the queued calls
 */
final class BatchQueue<T extends BatchQueue.Queued> {
    /** What the queue needs to know about a call. */
    interface Queued {
        /** When the call entered the queue, in ticker nanoseconds. */
        long enqueuedAt();

        /** When the call expires, in ticker nanoseconds; {@link Long#MAX_VALUE} for never. */
        long deadline();

        /** How many rows (batch dimension) the call brings. */
        int rows();

        /** Calls with equal keys can share a batch. */
        Object batchKey();
    }

    /**
     * What {@link #poll} decided.
     *
     * @param batch the calls to run now, removed from the queue; {@code null} when not ready
     * @param expired calls removed because their deadline passed; never null
     * @param waitNanos when {@code batch} is null: how long until the pending batch is due, or
     *     {@link Long#MAX_VALUE} when the queue is empty
     */
    record Poll<T>(List<T> batch, List<T> expired, long waitNanos) {}

    private final ArrayDeque<T> items = new ArrayDeque<>();
    private final int capacity;
    private final int maxRows;
    private final long maxDelayNanos;
    private int maxItems;

    BatchQueue(int capacity, int maxRows, int maxItems, long maxDelayNanos) {
        if (capacity <= 0 || maxRows <= 0 || maxItems <= 0 || maxDelayNanos < 0) {
            throw new IllegalArgumentException(
                    "capacity, maxRows and maxItems must be > 0 and maxDelay >= 0, were "
                            + capacity
                            + ", "
                            + maxRows
                            + ", "
                            + maxItems
                            + ", "
                            + maxDelayNanos);
        }
        this.capacity = capacity;
        this.maxRows = maxRows;
        this.maxItems = maxItems;
        this.maxDelayNanos = maxDelayNanos;
    }

    /** Adds a call at the tail; returns false, leaving the queue unchanged, when it is full. */
    boolean offer(T item) {
        Objects.requireNonNull(item, "item");
        if (items.size() >= capacity) {
            return false;
        }
        items.addLast(item);
        return true;
    }

    /** Removes a call that is still queued (the same instance); returns whether it was. */
    boolean remove(T item) {
        Iterator<T> it = items.iterator();
        while (it.hasNext()) {
            if (it.next() == item) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    /** Returns the number of queued calls. */
    int size() {
        return items.size();
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    int capacity() {
        return capacity;
    }

    /** Limits batches to {@code n} calls from now on (1 turns batching off). */
    void maxItems(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("maxItems must be > 0, was " + n);
        }
        this.maxItems = n;
    }

    /** Removes and returns every queued call. */
    List<T> drain() {
        List<T> all = new ArrayList<>(items);
        items.clear();
        return all;
    }

    /** Decides what to do at instant {@code now} (ticker nanoseconds). */
    Poll<T> poll(long now) {
        List<T> expired = List.of();
        List<T> batch = new ArrayList<>();
        Object key = null;
        long rows = 0;
        boolean full = false;
        Iterator<T> it = items.iterator();
        while (it.hasNext()) {
            T t = it.next();
            if (t.deadline() <= now) {
                it.remove();
                if (expired.isEmpty()) {
                    expired = new ArrayList<>();
                }
                expired.add(t);
                continue;
            }
            if (batch.isEmpty()) {
                key = t.batchKey();
            } else if (!Objects.equals(key, t.batchKey()) || rows + t.rows() > maxRows) {
                full = true;
                break;
            }
            batch.add(t);
            rows += t.rows();
            if (batch.size() >= maxItems || rows >= maxRows) {
                full = true;
                break;
            }
        }
        if (batch.isEmpty()) {
            return new Poll<>(null, expired, Long.MAX_VALUE);
        }
        long due = batch.get(0).enqueuedAt() + maxDelayNanos;
        if (full || now - due >= 0) {
            // The batch is the first live calls, and the expired ones before them are gone.
            for (int i = 0; i < batch.size(); i++) {
                items.removeFirst();
            }
            return new Poll<>(batch, expired, 0);
        }
        return new Poll<>(null, expired, due - now);
    }
}
