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
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
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
        Path keyStore = tmp.resolve("server.p12");
        char[] password = "changeit".toCharArray();
        Process keytool =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "keytool")
                                        .toString(),
                                "-genkeypair",
                                "-alias",
                                "maas",
                                "-keyalg",
                                "EC",
                                "-dname",
                                "CN=localhost",
                                "-ext",
                                "SAN=ip:127.0.0.1,dns:localhost",
                                "-validity",
                                "2",
                                "-storetype",
                                "PKCS12",
                                "-keystore",
                                keyStore.toString(),
                                "-storepass",
                                new String(password))
                        .redirectErrorStream(true)
                        .start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();

        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            trust.load(in, password);
        }
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);

        try (ModelService maas = ModelService.builder().root(tmp.resolve("repo")).build();
                MaasServer server =
                        MaasServer.builder(maas)
                                .port(0)
                                .grpcPort(0)
                                .tls(keyStore, password)
                                .build()
                                .start()) {
            ManagedChannel secure =
                    NettyChannelBuilder.forAddress(
                                    "127.0.0.1",
                                    server.grpcPort(),
                                    TlsChannelCredentials.newBuilder()
                                            .trustManager(tmf.getTrustManagers())
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
