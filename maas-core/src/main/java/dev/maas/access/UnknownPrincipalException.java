package dev.maas.access;

import dev.maas.MaasException;

/**
 * Thrown when a principal or team is named that the {@link Directory} does not know: a grant to a
 * team that does not exist, acting as an unregistered user. Nothing was changed.
 */
public class UnknownPrincipalException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public UnknownPrincipalException(String message) {
        super(message);
    }
}
