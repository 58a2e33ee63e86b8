package dev.maas.server;

import java.util.Objects;

/**
 * A failure of a network call, with the kind that decides what the client is told: REST maps each
 * kind to an HTTP status ({@link Kind#httpStatus()}), gRPC to a status code. The message is what
 * the caller sees, so it never names anything the caller may not see: a model that is missing and
 * one the caller may not see give the same kind and the same message.
 */
final class OipException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as a client can act on it. */
    enum Kind {
        /** The request is malformed or does not match the model (400, INVALID_ARGUMENT). */
        BAD_REQUEST(400),
        /** No token, or an unknown or revoked one (401, UNAUTHENTICATED). */
        UNAUTHENTICATED(401),
        /**
         * The model is visible to the caller, who lacks the right asked for (403,
         * PERMISSION_DENIED).
         */
        FORBIDDEN(403),
        /**
         * Unknown, or not visible to the caller: the two are indistinguishable (404, NOT_FOUND).
         */
        NOT_FOUND(404),
        /** The request body is larger than the server accepts (413, RESOURCE_EXHAUSTED). */
        TOO_LARGE(413),
        /** Quota exhausted or queue full (429, RESOURCE_EXHAUSTED). */
        OVERLOADED(429),
        /** The engine failed or the server is in a broken state (500, INTERNAL). */
        INTERNAL(500),
        /** The model or the server is not ready (503, UNAVAILABLE). */
        UNAVAILABLE(503),
        /** The call's deadline passed (504, DEADLINE_EXCEEDED). */
        DEADLINE(504);

        private final int httpStatus;

        Kind(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        /** Returns the HTTP status REST answers with. */
        int httpStatus() {
            return httpStatus;
        }
    }

    private final Kind kind;

    OipException(Kind kind, String message) {
        super(Objects.requireNonNull(message, "message"));
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    OipException(Kind kind, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** Returns the kind of failure. */
    Kind kind() {
        return kind;
    }

    static OipException badRequest(String message) {
        return new OipException(Kind.BAD_REQUEST, message);
    }

    static OipException notFound(String message) {
        return new OipException(Kind.NOT_FOUND, message);
    }
}
