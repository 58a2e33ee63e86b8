package dev.maas.server;

/**
 * A marketplace route's refusal: the HTTP status and the message sent as {@code {"error": ...}}.
 * Thrown by the route handlers for what they check themselves (bad parameters, a caller who is not
 * signed in, a model the caller cannot see); the library's own exceptions are mapped by {@link
 * MarketRoutes#status(Throwable)}.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    /** The one answer for a model that does not exist and one the caller may not see. */
    static ApiException modelNotFound(String model) {
        return new ApiException(404, "model '" + model + "' not found");
    }
}
