package dev.maas.client;

import dev.maas.AccessDeniedException;

/** The server refused the call's bearer token (HTTP 401): unknown, revoked or malformed. */
public class UnauthenticatedException extends AccessDeniedException {
    private static final long serialVersionUID = 1L;

    /** Makes one with the server's message. */
    public UnauthenticatedException(String message) {
        super(message);
    }
}
