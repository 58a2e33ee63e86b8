package dev.maas;

/**
 * Root of the operational failures maas reports: a model that does not exist, a corrupt artifact,
 * input that does not match a model's signature, an overloaded endpoint, a missed deadline, a
 * missing engine.
 *
 * <p>These are unchecked so that serving calls such as {@code recommend(userId, 10)} stay ergonomic
 * in lambdas and futures; every public method documents which subtypes it throws. Programming
 * errors (null arguments, malformed names) are reported with the standard {@link
 * NullPointerException}, {@link IllegalArgumentException} and {@link IllegalStateException}
 * instead.
 */
public class MaasException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public MaasException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public MaasException(String message, Throwable cause) {
        super(message, cause);
    }
}
