package dev.maas;

/**
 * Thrown when no engine backend on the class path can load a model; the message names the Maven
 * artifact to add.
 */
public class EngineUnavailableException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public EngineUnavailableException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public EngineUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
