package dev.maas;

/**
 * Thrown when a call would take a team (or principal) over its quota on a shared model: too many
 * calls in flight, or too many per second. The call was not run and may be retried later; other
 * teams' calls are not affected. The message names who, the model and the limit.
 */
public class QuotaExceededException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public QuotaExceededException(String message) {
        super(message);
    }
}
