package dev.maas;

/**
 * Thrown when a call's deadline passed before its result was ready; work that had not started was
 * skipped.
 */
public class DeadlineExceededException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public DeadlineExceededException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public DeadlineExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}
