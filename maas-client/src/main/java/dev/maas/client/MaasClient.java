package dev.maas.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;

/**
 * A client of a maas server (see {@code dev.maas.server.MaasServer}), over {@code java.net.http}.
 * Errors the server reports are thrown as the exceptions of the in-process API ({@link
 * dev.maas.ModelNotFoundException}, {@link dev.maas.InvalidInputException}, ...) with the server's
 * message.
 *
 * <p>Thread-safe: share one client. {@link #close()} releases nothing the JDK's HTTP client would
 * not release by itself, and is idempotent.
 */
public final class MaasClient implements AutoCloseable {
    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    private MaasClient(Builder b) {
        String s = b.base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.token = b.token;
        this.timeout = b.timeout;
        HttpClient.Builder hb =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(b.connectTimeout);
        if (b.sslContext != null) {
            hb.sslContext(b.sslContext);
        }
        this.http = hb.build();
    }

    /**
     * Returns a builder for a client of the server at {@code base}, such as {@code
     * http://127.0.0.1:8080}.
     *
     * @throws IllegalArgumentException if it is not an http or https URI
     */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** Returns the server's base URI. */
    public URI baseUri() {
        return base;
    }

    URI uri(String path) {
        return URI.create(base + path);
    }

    String token() {
        return token;
    }

    Duration timeout() {
        return timeout;
    }

    HttpClient http() {
        return http;
    }

    /** Does nothing the JDK's client needs; idempotent. */
    @Override
    public void close() {}

    /** Configures a {@link MaasClient}. Not thread-safe. */
    public static final class Builder {
        private final URI base;
        private String token;
        private Duration timeout = Duration.ofSeconds(60);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private javax.net.ssl.SSLContext sslContext;

        private Builder(URI base) {
            Objects.requireNonNull(base, "base");
            String scheme = base.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException(
                        "the server's URI must be http or https, was " + base);
            }
            this.base = base;
        }

        /**
         * Sends {@code token} as a bearer token with every call; without one calls are anonymous.
         */
        public Builder token(String token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /**
         * Sets the time one call may take, response included; 60 s by default.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        /**
         * Sets the time to connect; 10 s by default.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * Sets the TLS context, for a server whose certificate the JDK does not trust by default.
         */
        public Builder sslContext(javax.net.ssl.SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /** Returns the client. */
        public MaasClient build() {
            return new MaasClient(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be > 0, was " + d);
            }
            return d;
        }
    }
}
