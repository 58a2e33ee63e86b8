package dev.maas;

/** Thrown when a model, version or alias does not exist; the message lists what does exist. */
public class ModelNotFoundException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public ModelNotFoundException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public ModelNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
