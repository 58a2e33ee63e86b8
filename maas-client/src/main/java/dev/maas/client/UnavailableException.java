package dev.maas.client;

import dev.maas.MaasException;

/** The server, or the model asked for, cannot serve now (HTTP 503); a later call may succeed. */
public class UnavailableException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Makes one with the server's message. */
    public UnavailableException(String message) {
        super(message);
    }
}
