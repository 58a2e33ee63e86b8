package dev.maas;

/**
 * Thrown when a model's artifact or card cannot be read or loaded: missing files, a corrupt card,
 * or an engine that rejects the artifact.
 */
public class MalformedModelException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public MalformedModelException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public MalformedModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
