package dev.maas;

/**
 * Thrown when a request does not match the model's signature; the message states the expected
 * signature and what was received.
 */
public class InvalidInputException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public InvalidInputException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
