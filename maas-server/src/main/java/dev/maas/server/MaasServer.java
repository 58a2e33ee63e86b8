package dev.maas.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.maas.ModelService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link ModelService} over the network: the Open Inference Protocol v2 over REST (health,
 * metadata, readiness, inference with JSON tensors and the binary tensor data extension), a
 * Prometheus scrape endpoint at {@code /metrics}, and (when a gRPC port is set) the protocol over
 * gRPC.
 *
 * <p>Callers authenticate with bearer tokens from a {@link TokenStore}; a call without a token acts
 * as the anonymous principal, which sees only public models. Every call runs as its principal
 * through the marketplace, so grants and quotas apply as in-process. With a key store the server
 * speaks TLS only.
 *
 * <p>Limits against abuse: a request body over {@link Builder#maxRequestBytes} is refused with 413
 * before it is read (or as soon as a streamed body passes the limit); a connection that sends no
 * complete request header within {@link Builder#headerTimeout}, or is silent for {@link
 * Builder#idleTimeout}, is closed; at most {@link Builder#maxConnections} connections are accepted
 * at once (more wait in the operating system's backlog). Reading headers holds no thread.
 *
 * <pre>{@code
 * try (MaasServer server = MaasServer.builder(maas).port(8080).tokens(TokenStore.in(maas.repository()))
 *         .build().start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops accepting, lets running calls finish for a moment, and is
 * idempotent; it does not close the model service.
 */
public final class MaasServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MaasServer.class);

    /** Default largest request body: 64 MiB. */
    public static final long DEFAULT_MAX_REQUEST_BYTES = 64L << 20;

    /** Default time a connection may stay silent. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    /** Default time a new connection has to send its first complete request header. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

    /** Default most connections open at once. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;

    private final Builder config;
    private final ServerContext context;
    private final Routes routes = new Routes();
    private final Server jetty;
    private final ServerConnector connector;
    private final Object lock = new Object();
    private boolean started; // guarded by lock
    private boolean closed; // guarded by lock
    private GrpcServer grpc; // guarded by lock; null when gRPC is off

    private MaasServer(Builder b) {
        this.config = b;
        Gson gson = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
        PrometheusMeterRegistry registry =
                b.registry != null
                        ? b.registry
                        : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.context =
                new ServerContext(
                        b.maas,
                        new OipInference(b.maas),
                        new Authenticator(b.tokens, b.maas),
                        gson,
                        b.maxRequestBytes,
                        registry);

        // Route modules: each registers its routes here, one line per module.
        OipRoutes.register(routes, context);
        MetricsRoutes.register(routes, context);
        MarketRoutes.register(routes, context);
        WebRoutes.register(routes, context);

        QueuedThreadPool threads = new QueuedThreadPool(b.maxThreads, Math.min(8, b.maxThreads));
        threads.setName("maas-http");
        threads.setDaemon(true);
        this.jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(b.maxHeaderBytes);
        http.setIdleTimeout(b.idleTimeout.toMillis());
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        if (b.keyStore != null) {
            http.addCustomizer(new SecureRequestCustomizer(false));
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(b.keyStore.toString());
            ssl.setKeyStorePassword(new String(b.keyStorePassword));
            this.connector =
                    new ServerConnector(jetty, new SslConnectionFactory(ssl, h1.getProtocol()), h1);
        } else {
            this.connector = new ServerConnector(jetty, h1);
        }
        connector.setHost(b.host);
        connector.setPort(b.port);
        connector.setIdleTimeout(b.idleTimeout.toMillis());
        connector.setAcceptQueueSize(128);
        connector.addEventListener(new HeaderDeadline(b.headerTimeout));
        jetty.addConnector(connector);
        jetty.addBean(new NetworkConnectionLimit(b.maxConnections, connector));
        jetty.setErrorHandler(new JsonErrorHandler());
        jetty.setHandler(new RestHandler(routes, context));
        jetty.setStopTimeout(2000);
    }

    /**
     * Returns a builder for a server over {@code maas}.
     *
     * @throws NullPointerException if {@code maas} is {@code null}
     */
    public static Builder builder(ModelService maas) {
        return new Builder(maas);
    }

    /**
     * Binds the ports and starts serving.
     *
     * @return this server
     * @throws IllegalStateException if it was started or closed before
     * @throws java.io.UncheckedIOException if a port cannot be bound
     */
    public MaasServer start() {
        synchronized (lock) {
            if (started || closed) {
                throw new IllegalStateException(
                        closed ? "the server is closed" : "the server was already started");
            }
            started = true;
            try {
                jetty.start();
            } catch (Exception e) {
                stopQuietly();
                throw new java.io.UncheckedIOException(
                        new java.io.IOException(
                                "cannot start the server on "
                                        + config.host
                                        + ":"
                                        + config.port
                                        + ": "
                                        + e.getMessage(),
                                e));
            }
            if (config.grpcPort >= 0) {
                try {
                    grpc =
                            GrpcServer.start(
                                    grpcSettings(config), context.oip(), context.authenticator());
                } catch (RuntimeException e) {
                    stopQuietly();
                    throw e;
                }
            }
            LOG.info("serving on {}", uri());
            return this;
        }
    }

    /**
     * Returns the REST port (the one bound when the builder asked for 0).
     *
     * @throws IllegalStateException if the server is not started
     */
    public int port() {
        synchronized (lock) {
            if (!started) {
                throw new IllegalStateException("the server is not started");
            }
            return connector.getLocalPort();
        }
    }

    /**
     * Returns the gRPC port (the one bound when the builder asked for 0), or -1 when gRPC is off.
     *
     * @throws IllegalStateException if the server is not started
     */
    public int grpcPort() {
        synchronized (lock) {
            if (!started) {
                throw new IllegalStateException("the server is not started");
            }
            return grpc == null ? -1 : grpc.port();
        }
    }

    /**
     * The gRPC listener's settings: the REST limits where gRPC has the same notion (message size,
     * idle timeout, header timeout as the handshake timeout, threads), and as many calls in flight
     * as four times the threads.
     */
    private static GrpcServer.Settings grpcSettings(Builder b) {
        return new GrpcServer.Settings(
                new java.net.InetSocketAddress(b.host, b.grpcPort),
                b.keyStore,
                b.keyStorePassword,
                (int) Math.min(b.maxRequestBytes, Integer.MAX_VALUE - 1024),
                b.idleTimeout,
                b.headerTimeout,
                GrpcServer.MAX_CALLS_PER_CONNECTION,
                4 * b.maxThreads,
                b.maxThreads);
    }

    /** Returns the REST base URI, such as {@code http://127.0.0.1:8080}. */
    public URI uri() {
        String host = config.host.contains(":") ? "[" + config.host + "]" : config.host;
        return URI.create(
                (config.keyStore != null ? "https" : "http") + "://" + host + ":" + port());
    }

    /** Returns the number of connections open now (for tests and diagnostics). */
    int openConnections() {
        return connector.getConnectedEndPoints().size();
    }

    /** Returns the registry whose meters {@code /metrics} shows. */
    public PrometheusMeterRegistry meterRegistry() {
        return context.registry();
    }

    /** Stops serving; idempotent. The model service stays open. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (grpc != null) {
                grpc.close();
            }
            stopQuietly();
            context.oip().close();
            if (config.keyStorePassword != null) {
                Arrays.fill(config.keyStorePassword, '\0');
            }
        }
    }

    private void stopQuietly() {
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("stopping the server failed", e);
        }
    }

    /** Closes connections that have not sent a complete request header in time (slow-loris). */
    private static final class HeaderDeadline implements Connection.Listener {
        private final long millis;

        HeaderDeadline(Duration timeout) {
            this.millis = timeout.toMillis();
        }

        @Override
        public void onOpened(Connection connection) {
            if (!(connection instanceof HttpConnection http)) {
                return; // TLS: the handshake's own connection; the idle timeout bounds it
            }
            Scheduler scheduler = http.getConnector().getScheduler();
            scheduler.schedule(
                    () -> {
                        if (http.getMessagesIn() == 0 && http.getEndPoint().isOpen()) {
                            LOG.debug(
                                    "closing {}: no complete request header in {} ms",
                                    http.getEndPoint().getRemoteSocketAddress(),
                                    millis);
                            http.getEndPoint().close();
                        }
                    },
                    millis,
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Configures a {@link MaasServer}. Every setter checks its argument at once. Not thread-safe.
     */
    public static final class Builder {
        private final ModelService maas;
        private String host = "127.0.0.1";
        private int port = 8080;
        private int grpcPort = -1;
        private TokenStore tokens;
        private Path keyStore;
        private char[] keyStorePassword;
        private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int maxHeaderBytes = 16 * 1024;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxThreads = 64;
        private PrometheusMeterRegistry registry;

        private Builder(ModelService maas) {
            this.maas = Objects.requireNonNull(maas, "maas");
        }

        /** Sets the address to bind; {@code 127.0.0.1} by default, {@code 0.0.0.0} for all. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Sets the REST port; 0 binds a free one ({@link MaasServer#port()} tells which). 8080 by
         * default.
         *
         * @throws IllegalArgumentException if outside 0 to 65535
         */
        public Builder port(int port) {
            this.port = checkPort(port, 0);
            return this;
        }

        /**
         * Sets the gRPC port: -1 (the default) for no gRPC, 0 for a free one.
         *
         * @throws IllegalArgumentException if outside -1 to 65535
         */
        public Builder grpcPort(int port) {
            this.grpcPort = checkPort(port, -1);
            return this;
        }

        /** Returns the gRPC port asked for (-1: off); for the gRPC part of the server. */
        int grpcPortSetting() {
            return grpcPort;
        }

        /**
         * Sets the tokens that authenticate callers. Without a store every call is anonymous and a
         * call that sends a token is refused.
         */
        public Builder tokens(TokenStore tokens) {
            this.tokens = Objects.requireNonNull(tokens, "tokens");
            return this;
        }

        /**
         * Serves over TLS only, with the key and certificate in {@code keyStore} (PKCS12 or JKS).
         * The password array is copied; the copy is cleared when the server closes.
         *
         * @throws IllegalArgumentException if the file does not exist
         */
        public Builder tls(Path keyStore, char[] password) {
            Objects.requireNonNull(keyStore, "keyStore");
            Objects.requireNonNull(password, "password");
            if (!Files.isRegularFile(keyStore)) {
                throw new IllegalArgumentException("key store " + keyStore + " is not a file");
            }
            this.keyStore = keyStore;
            this.keyStorePassword = password.clone();
            return this;
        }

        /**
         * Sets the largest request body accepted; 64 MiB by default.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder maxRequestBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxRequestBytes must be > 0, was " + bytes);
            }
            this.maxRequestBytes = bytes;
            return this;
        }

        /**
         * Sets how long a connection may stay silent before it is closed; 30 s by default.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /**
         * Sets how long a new connection has to send its first complete request header; 10 s by
         * default.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder headerTimeout(Duration timeout) {
            this.headerTimeout = positive(timeout, "headerTimeout");
            return this;
        }

        /**
         * Sets the most connections open at once; 1024 by default.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder maxConnections(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("maxConnections must be > 0, was " + n);
            }
            this.maxConnections = n;
            return this;
        }

        /**
         * Sets the most threads handling requests; 64 by default (at least 8: the server's
         * selectors and acceptor use some).
         *
         * @throws IllegalArgumentException if under 8
         */
        public Builder maxThreads(int n) {
            if (n < 8) {
                throw new IllegalArgumentException("maxThreads must be >= 8, was " + n);
            }
            this.maxThreads = n;
            return this;
        }

        /**
         * Sets the registry {@code /metrics} shows; give the one the model service records into to
         * see its meters too. A new one by default.
         */
        public Builder meterRegistry(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Returns a server with these settings, not started. */
        public MaasServer build() {
            return new MaasServer(this);
        }

        private static int checkPort(int port, int min) {
            if (port < min || port > 65535) {
                throw new IllegalArgumentException(
                        "port must be between " + min + " and 65535, was " + port);
            }
            return port;
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
