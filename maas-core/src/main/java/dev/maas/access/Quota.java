package dev.maas.access;

/**
 * Limits on one grantee's calls to a shared model, part of its grant: at most {@code maxInFlight}
 * calls running at once and at most {@code callsPerSecond} calls started per second (a token bucket
 * holding one second's worth). {@code 0} means no limit of that kind. A team's limits apply to all
 * its members' calls together. Immutable.
 *
 * @param maxInFlight most calls in flight at once, or 0 for no limit
 * @param callsPerSecond most calls per second, or 0 for no limit
 */
public record Quota(int maxInFlight, double callsPerSecond) {
    /** No limits. */
    public static final Quota NONE = new Quota(0, 0);

    /**
     * Validates the limits.
     *
     * @throws IllegalArgumentException if a limit is negative or not finite
     */
    public Quota {
        if (maxInFlight < 0) {
            throw new IllegalArgumentException("maxInFlight must be >= 0, was " + maxInFlight);
        }
        if (!(callsPerSecond >= 0) || Double.isInfinite(callsPerSecond)) {
            throw new IllegalArgumentException(
                    "callsPerSecond must be a finite number >= 0, was " + callsPerSecond);
        }
    }

    /** Returns whether this quota limits anything. */
    public boolean isLimited() {
        return maxInFlight > 0 || callsPerSecond > 0;
    }

    /** Returns the limits as text, for messages: {@code "4 in flight, 100.0 calls/s"}. */
    @Override
    public String toString() {
        if (!isLimited()) {
            return "no limit";
        }
        StringBuilder sb = new StringBuilder();
        if (maxInFlight > 0) {
            sb.append(maxInFlight).append(" in flight");
        }
        if (callsPerSecond > 0) {
            sb.append(sb.length() > 0 ? ", " : "").append(callsPerSecond).append(" calls/s");
        }
        return sb.toString();
    }
}
