package dev.maas;

/**
 * Thrown when a principal that may see a model asks for something its grants do not allow (calling
 * it without {@code USE}, publishing without {@code PUBLISH}, changing grants without {@code
 * ADMIN}). The message names the principal, the model and the permission needed. A principal that
 * may not even see the model gets {@link ModelNotFoundException} instead, the same as for a model
 * that does not exist, so that denial does not reveal existence.
 */
public class AccessDeniedException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public AccessDeniedException(String message) {
        super(message);
    }
}
