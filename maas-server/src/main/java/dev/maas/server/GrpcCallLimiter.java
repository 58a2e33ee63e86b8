package dev.maas.server;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the calls in flight on the whole gRPC server: a call past the bound is answered {@code
 * RESOURCE_EXHAUSTED} at once rather than queued, so a flood neither grows a queue without limit
 * nor delays the calls already admitted. grpc-java bounds calls per connection only ({@code
 * maxConcurrentCallsPerConnection}); this bounds them across connections. Thread-safe.
 */
final class GrpcCallLimiter implements ServerInterceptor {
    private final int max;
    private final Semaphore permits;

    GrpcCallLimiter(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max calls must be >= 1, was " + max);
        }
        this.max = max;
        this.permits = new Semaphore(max);
    }

    /** Returns how many more calls would be admitted now. */
    int available() {
        return permits.availablePermits();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!permits.tryAcquire()) {
            call.close(
                    Status.RESOURCE_EXHAUSTED.withDescription(
                            "the server is handling its maximum of " + max + " calls; retry later"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release =
                () -> {
                    if (released.compareAndSet(false, true)) {
                        permits.release();
                    }
                };
        ServerCall<Q, R> releasing =
                new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        release.run();
                        super.close(status, trailers);
                    }
                };
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(releasing, headers);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                release.run();
                super.onCancel();
            }

            @Override
            public void onComplete() {
                release.run();
                super.onComplete();
            }
        };
    }
}
