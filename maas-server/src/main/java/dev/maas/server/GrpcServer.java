package dev.maas.server;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC listener of {@link MaasServer}: {@code inference.GRPCInferenceService} on its own port,
 * over Netty, with the server's authentication, TLS and limits.
 *
 * <p>Limits against abuse: the largest inbound message ({@link Settings#maxMessageBytes}, past it
 * the call fails {@code RESOURCE_EXHAUSTED} before the message is buffered), metadata size, calls
 * in flight per connection and on the whole server ({@link GrpcCallLimiter}), a handshake timeout
 * (a connection that never speaks HTTP/2 is closed), an idle timeout (abandoned connections are
 * closed), keepalive pings from the server and a floor on the client's ping rate. Calls run on a
 * fixed pool of threads, not one thread per call. Not thread-safe to start; {@link #close} is
 * idempotent.
 */
final class GrpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

    /**
     * What the gRPC listener is given.
     *
     * @param address where to listen; port 0 for an ephemeral port
     * @param keyStore a PKCS12 or JKS key store to serve TLS from, or {@code null} for plaintext
     * @param maxMessageBytes the largest request message accepted
     * @param idleTimeout how long a connection without calls stays open
     * @param handshakeTimeout how long a new connection has to complete its HTTP/2 handshake
     * @param maxCallsPerConnection calls in flight on one connection
     * @param maxCalls calls in flight on the whole listener
     * @param threads the threads that run calls
     */
    record Settings(
            InetSocketAddress address,
            Path keyStore,
            char[] keyStorePassword,
            int maxMessageBytes,
            Duration idleTimeout,
            Duration handshakeTimeout,
            int maxCallsPerConnection,
            int maxCalls,
            int threads) {
        Settings {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
            if (maxMessageBytes < 1 || maxCallsPerConnection < 1 || maxCalls < 1 || threads < 1) {
                throw new IllegalArgumentException(
                        "gRPC limits must be >= 1: maxMessageBytes="
                                + maxMessageBytes
                                + ", maxCallsPerConnection="
                                + maxCallsPerConnection
                                + ", maxCalls="
                                + maxCalls
                                + ", threads="
                                + threads);
            }
        }
    }

    /** Calls in flight on one connection (HTTP/2 streams); more wait in the client. */
    static final int MAX_CALLS_PER_CONNECTION = 100;

    /** Largest metadata (headers) a call may send. */
    static final int MAX_METADATA_BYTES = 16 * 1024;

    private final Server server;
    private final ExecutorService executor;
    private boolean closed;

    private GrpcServer(Server server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts listening.
     *
     * @throws UncheckedIOException if the port cannot be bound or the key store read
     * @throws IllegalArgumentException if the key store cannot be used for TLS
     */
    static GrpcServer start(Settings s, OipInference oip, Authenticator authenticator) {
        ExecutorService executor = Executors.newFixedThreadPool(s.threads(), threads());
        NettyServerBuilder builder =
                NettyServerBuilder.forAddress(s.address(), credentials(s))
                        .executor(executor)
                        .addService(
                                ServerInterceptors.intercept(
                                        new GrpcInferenceService(oip),
                                        new GrpcAuthInterceptor(authenticator),
                                        // last added runs first: the bound applies before anything
                                        new GrpcCallLimiter(s.maxCalls())))
                        .maxInboundMessageSize(s.maxMessageBytes())
                        .maxInboundMetadataSize(MAX_METADATA_BYTES)
                        .maxConcurrentCallsPerConnection(s.maxCallsPerConnection())
                        .handshakeTimeout(s.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .maxConnectionIdle(s.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .keepAliveTime(2, TimeUnit.MINUTES)
                        .keepAliveTimeout(20, TimeUnit.SECONDS)
                        .permitKeepAliveTime(10, TimeUnit.SECONDS)
                        .permitKeepAliveWithoutCalls(false);
        try {
            Server server = builder.build().start();
            log.info("gRPC listening on {}:{}", s.address().getHostString(), server.getPort());
            return new GrpcServer(server, executor);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot listen for gRPC on " + s.address(), e);
        }
    }

    /** Returns the port listened on. */
    int port() {
        return server.getPort();
    }

    /** Stops accepting calls, lets calls in flight finish for a few seconds, then stops. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            executor.shutdownNow();
        }
    }

    private static ServerCredentials credentials(Settings s) {
        if (s.keyStore() == null) {
            return InsecureServerCredentials.create();
        }
        try (InputStream in = Files.newInputStream(s.keyStore())) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, s.keyStorePassword());
            KeyManagerFactory kmf =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, s.keyStorePassword());
            return TlsServerCredentials.newBuilder().keyManager(kmf.getKeyManagers()).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read key store " + s.keyStore(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "key store " + s.keyStore() + " cannot serve TLS: " + e.getMessage(), e);
        }
    }

    private static ThreadFactory threads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "maas-grpc-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
