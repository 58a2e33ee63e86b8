package dev.maas;

/**
 * Thrown when the model repository cannot be read or written (I/O failure, lock not obtained,
 * version conflict).
 */
public class RepositoryException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public RepositoryException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
