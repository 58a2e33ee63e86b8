package dev.maas.server;

import dev.maas.ModelService;
import inference.GRPCInferenceServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** A maas server with gRPC on an ephemeral port of 127.0.0.1, and clients of it. */
final class GrpcTestServer implements AutoCloseable {
    final ModelService maas;
    final OipInference oip;
    private final GrpcServer grpc;

    GrpcTestServer(ModelService maas, TokenStore tokens, int maxMessageBytes) {
        this.maas = maas;
        this.oip = new OipInference(maas);
        this.grpc =
                GrpcServer.start(
                        new GrpcServer.Settings(
                                new InetSocketAddress("127.0.0.1", 0),
                                null,
                                null,
                                maxMessageBytes,
                                Duration.ofSeconds(30),
                                Duration.ofSeconds(2),
                                16,
                                64,
                                4),
                        oip,
                        new Authenticator(tokens, maas));
    }

    int port() {
        return grpc.port();
    }

    /** A plaintext channel to the server. */
    ManagedChannel channel() {
        return NettyChannelBuilder.forAddress("127.0.0.1", port())
                .usePlaintext()
                .maxInboundMessageSize(64 << 20)
                .build();
    }

    /** A blocking stub sending {@code authorization} when not null, with a generous deadline. */
    static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(
            ManagedChannel channel, String authorization) {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(60, TimeUnit.SECONDS);
        return authorization == null ? stub : stub.withCallCredentials(header(authorization));
    }

    static CallCredentials header(String authorization) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(
                    RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata m = new Metadata();
                m.put(GrpcAuthInterceptor.AUTHORIZATION, authorization);
                applier.apply(m);
            }
        };
    }

    static void shutdown(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        grpc.close();
        oip.close();
    }
}
