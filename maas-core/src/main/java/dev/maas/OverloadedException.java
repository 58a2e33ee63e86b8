package dev.maas;

/**
 * Thrown when an endpoint's bounded queue is full; the call was rejected without being queued and
 * may be retried later.
 */
public class OverloadedException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public OverloadedException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public OverloadedException(String message, Throwable cause) {
        super(message, cause);
    }
}
