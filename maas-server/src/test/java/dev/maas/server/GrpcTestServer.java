package dev.maas.server;

import dev.maas.ModelService;
import inference.GRPCInferenceServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A {@link MaasServer} with REST and gRPC on ephemeral ports of 127.0.0.1, the in-process executor
 * the network results are compared with, and gRPC clients.
 */
final class GrpcTestServer implements AutoCloseable {
    final ModelService maas;

    /** The same operations in-process, for comparison. */
    final OipInference oip;

    final MaasServer server;

    GrpcTestServer(ModelService maas, TokenStore tokens, long maxRequestBytes) {
        this.maas = maas;
        this.oip = new OipInference(maas);
        MaasServer.Builder b =
                MaasServer.builder(maas)
                        .port(0)
                        .grpcPort(0)
                        .maxRequestBytes(maxRequestBytes)
                        .headerTimeout(Duration.ofSeconds(2))
                        .idleTimeout(Duration.ofSeconds(5));
        if (tokens != null) {
            b.tokens(tokens);
        }
        this.server = b.build().start();
    }

    int port() {
        return server.grpcPort();
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
        server.close();
        oip.close();
    }
}
