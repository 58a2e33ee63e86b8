package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.maas.ModelService;
import inference.GRPCInferenceServiceGrpc;
import inference.ServerLiveRequest;
import inference.ServerMetadataRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a key store the gRPC port speaks TLS only: a client trusting the server's certificate is
 * served, a plaintext client is not. The key store is made by the JDK's {@code keytool}.
 */
class GrpcTlsTest {
    @TempDir Path tmp;

    @Test
    void tls_servesTrustingClients_refusesPlaintext() throws Exception {
        TestKeyStore keys = TestKeyStore.create(tmp, "changeit");

        try (ModelService maas = ModelService.builder().root(tmp.resolve("repo")).build();
                MaasServer server =
                        MaasServer.builder(maas)
                                .port(0)
                                .grpcPort(0)
                                .tls(keys.path(), keys.password())
                                .build()
                                .start()) {
            ManagedChannel secure =
                    NettyChannelBuilder.forAddress(
                                    "127.0.0.1",
                                    server.grpcPort(),
                                    TlsChannelCredentials.newBuilder()
                                            .trustManager(keys.trust().getTrustManagers())
                                            .build())
                            .build();
            ManagedChannel plain =
                    NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                            .usePlaintext()
                            .build();
            try {
                assertThat(
                                GRPCInferenceServiceGrpc.newBlockingStub(secure)
                                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                                        .serverMetadata(ServerMetadataRequest.getDefaultInstance())
                                        .getName())
                        .isEqualTo("maas");
                StatusRuntimeException e =
                        catchThrowableOfType(
                                StatusRuntimeException.class,
                                () ->
                                        GRPCInferenceServiceGrpc.newBlockingStub(plain)
                                                .withDeadlineAfter(30, TimeUnit.SECONDS)
                                                .serverLive(
                                                        ServerLiveRequest.getDefaultInstance()));
                assertThat(e).isNotNull();
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            } finally {
                secure.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                plain.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }
}
