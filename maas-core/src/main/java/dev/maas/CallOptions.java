package dev.maas;

import java.time.Duration;

/**
 * Per-call settings for {@link Endpoint} calls: a routing key and a deadline. Immutable and
 * thread-safe; {@link #NONE} when nothing is set.
 *
 * <pre>{@code
 * NDList scores = ranker.predict(features,
 *         CallOptions.ofKey("user-42").withDeadline(Duration.ofMillis(50)));
 * }</pre>
 *
 * @param key the routing key, such as a user id: under a traffic split (see {@link
 *     ModelService#setTrafficSplit}) calls with the same key always reach the same version; {@code
 *     null} routes each call at random by the split's weights
 * @param deadline the time the call may take, measured from when it is made; {@code null} for no
 *     limit. A call still queued when it expires is skipped (it never runs) and fails with {@link
 *     DeadlineExceededException}; one already running also fails with it, and its result is
 *     discarded.
 */
public record CallOptions(String key, Duration deadline) {
    /** No key, no deadline. */
    public static final CallOptions NONE = new CallOptions(null, null);

    /**
     * Validates the deadline.
     *
     * @throws IllegalArgumentException if the deadline is zero or negative
     */
    public CallOptions {
        if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
            throw new IllegalArgumentException("deadline must be > 0, was " + deadline);
        }
    }

    /** Returns options with only a routing key. */
    public static CallOptions ofKey(String key) {
        return new CallOptions(key, null);
    }

    /** Returns options with only a deadline. */
    public static CallOptions ofDeadline(Duration deadline) {
        return new CallOptions(null, java.util.Objects.requireNonNull(deadline, "deadline"));
    }

    /** Returns a copy with {@code key} as routing key. */
    public CallOptions withKey(String key) {
        return new CallOptions(key, deadline);
    }

    /** Returns a copy with {@code deadline}; {@code null} removes the limit. */
    public CallOptions withDeadline(Duration deadline) {
        return new CallOptions(key, deadline);
    }
}
