package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.Visibility;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Principal;
import dev.maas.access.Quota;
import dev.maas.access.RepositoryDirectory;
import dev.maas.testing.DenseModel;
import inference.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import inference.ModelInferRequest;
import inference.ModelInferResponse;
import inference.ModelMetadataRequest;
import inference.ModelReadyRequest;
import inference.ServerLiveRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Access through gRPC: a private model owned by team {@code home}, a token per grant level, the
 * anonymous caller, revoked, unknown and malformed tokens. Denied and missing models give the same
 * status and the same message; every level gets what the in-process session gives it.
 */
class GrpcAccessTest {
    @TempDir static Path tmp;

    private static ModelService maas;
    private static TokenStore tokens;
    private static GrpcTestServer server;
    private static ManagedChannel channel;
    private static final Map<String, String> TOKEN = new java.util.HashMap<>();
    private static final byte[] X = input();

    @BeforeAll
    static void start() {
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        RepositoryDirectory directory = (RepositoryDirectory) maas.marketplace().directory();
        directory.addTeam("home");
        directory.addTeam("search");
        directory.addPrincipal("owner", "home");
        for (String id : List.of("stranger", "read", "use", "publish", "admin", "revoked")) {
            directory.addPrincipal(id, "search");
        }
        Path artifacts = tmp.resolve("artifacts");
        GrpcFixtures.dense().writeOnnx(artifacts.resolve("dense.onnx"));
        ModelCard secret =
                ModelCard.builder("secret")
                        .task("regression")
                        .owner("home")
                        .description("a private dense layer")
                        .engine("OnnxRuntime")
                        .format("onnx")
                        .visibility(Visibility.PRIVATE)
                        .inputs(GrpcFixtures.denseCard("x", Visibility.PRIVATE).inputs())
                        .outputs(GrpcFixtures.denseCard("x", Visibility.PRIVATE).outputs())
                        .build();
        maas.publish(ModelPackage.of(secret, artifacts));
        maas.publish(ModelPackage.of(GrpcFixtures.denseCard("open", Visibility.PUBLIC), artifacts));
        for (Permission p : Permission.values()) {
            maas.as("owner")
                    .grant("secret", Grantee.principal(p.name().toLowerCase()), p, Quota.NONE);
        }
        maas.as("owner").grant("secret", Grantee.principal("revoked"), Permission.USE, Quota.NONE);

        tokens = TokenStore.inMemory();
        for (String id :
                List.of("owner", "stranger", "read", "use", "publish", "admin", "revoked")) {
            TOKEN.put(id, tokens.create(id).token());
        }
        TokenStore.CreatedToken revoked = tokens.create("revoked");
        TOKEN.put("revoked", revoked.token());
        tokens.revoke(revoked.info().id());

        server = new GrpcTestServer(maas, tokens, 8 << 20);
        channel = server.channel();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        GrpcTestServer.shutdown(channel);
        server.close();
        maas.close();
    }

    private static byte[] input() {
        ByteBuffer b = ByteBuffer.allocate(2 * GrpcFixtures.IN * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 2 * GrpcFixtures.IN; i++) {
            b.putFloat(i * 0.25f - 1);
        }
        return b.array();
    }

    private static GRPCInferenceServiceBlockingStub as(String id) {
        return GrpcTestServer.stub(channel, id == null ? null : "Bearer " + TOKEN.get(id));
    }

    private static ModelInferRequest infer(String model) {
        return ModelInferRequest.newBuilder()
                .setModelName(model)
                .addInputs(GrpcConformanceTest.input(DenseModel.INPUT, "FP32", 2, GrpcFixtures.IN))
                .addRawInputContents(ByteString.copyFrom(X))
                .build();
    }

    private static StatusRuntimeException failure(Runnable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("the call fails").isNotNull();
        return e;
    }

    private static Principal principal(String id) {
        return maas.marketplace().directory().principal(id);
    }

    @Test
    void anonymous_seesPublicModels_andPrivateOnesLookMissing() {
        ModelInferResponse open = as(null).modelInfer(infer("open"));
        assertThat(open.getRawOutputContents(0).toByteArray())
                .isEqualTo(
                        server.oip
                                .infer(
                                        Authenticator.ANONYMOUS,
                                        "open",
                                        null,
                                        List.of(
                                                new InferTensor(
                                                        "x",
                                                        OipDatatype.FP32,
                                                        new long[] {2, GrpcFixtures.IN},
                                                        X)),
                                        List.of(),
                                        Map.of())
                                .outputs()
                                .get(0)
                                .rawView());

        assertDeniedLooksMissing(null);
    }

    @Test
    void stranger_withoutGrant_getsExactlyWhatAMissingModelGets() {
        assertDeniedLooksMissing("stranger");
    }

    private static void assertDeniedLooksMissing(String id) {
        GRPCInferenceServiceBlockingStub stub = as(id);
        StatusRuntimeException denied = failure(() -> stub.modelInfer(infer("secret")));
        StatusRuntimeException missing = failure(() -> stub.modelInfer(infer("nothere")));
        assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(denied.getStatus().getDescription())
                .isEqualTo(missing.getStatus().getDescription().replace("nothere", "secret"))
                .isEqualTo("model 'secret' not found");
        assertThat(denied.getTrailers().keys()).isEqualTo(missing.getTrailers().keys());

        for (Runnable call :
                List.<Runnable>of(
                        () ->
                                stub.modelMetadata(
                                        ModelMetadataRequest.newBuilder()
                                                .setName("secret")
                                                .build()),
                        () ->
                                stub.modelReady(
                                        ModelReadyRequest.newBuilder()
                                                .setName("secret")
                                                .build()))) {
            StatusRuntimeException e = failure(call);
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).isEqualTo("model 'secret' not found");
        }
    }

    /** Each grant level: what the in-process session allows succeeds, the rest fails alike. */
    @ParameterizedTest
    @EnumSource(Permission.class)
    void everyGrantLevel_getsWhatItGetsInProcess(Permission level) {
        String id = level.name().toLowerCase();
        GRPCInferenceServiceBlockingStub stub = as(id);

        // READ and above see the model
        assertThat(
                        stub.modelMetadata(
                                        ModelMetadataRequest.newBuilder().setName("secret").build())
                                .getName())
                .isEqualTo("secret");

        List<InferTensor> in =
                List.of(new InferTensor("x", OipDatatype.FP32, new long[] {2, GrpcFixtures.IN}, X));
        if (level.includes(Permission.USE)) {
            byte[] expected =
                    server.oip
                            .infer(principal(id), "secret", null, in, List.of(), Map.of())
                            .outputs()
                            .get(0)
                            .rawView();
            assertThat(stub.modelInfer(infer("secret")).getRawOutputContents(0).toByteArray())
                    .isEqualTo(expected);
        } else {
            OipException local =
                    catchThrowableOfType(
                            OipException.class,
                            () ->
                                    server.oip.infer(
                                            principal(id),
                                            "secret",
                                            null,
                                            in,
                                            List.of(),
                                            Map.of()));
            StatusRuntimeException e = failure(() -> stub.modelInfer(infer("secret")));
            assertThat(e.getStatus().getCode())
                    .isEqualTo(Status.Code.PERMISSION_DENIED)
                    .isEqualTo(GrpcInferenceService.status(local).getCode());
            assertThat(e.getStatus().getDescription()).isEqualTo(local.getMessage());
        }
    }

    @Test
    void owner_callsItsModel() {
        assertThat(as("owner").modelInfer(infer("secret")).getModelName()).isEqualTo("secret");
    }

    @Test
    void revokedUnknownAndMalformedTokens_areUnauthenticated_evenForHealth() {
        for (String header :
                List.of(
                        "Bearer " + TOKEN.get("revoked"),
                        "Bearer maas_notatoken",
                        "Basic b3duZXI6cHc=",
                        "Bearer")) {
            GRPCInferenceServiceBlockingStub stub = GrpcTestServer.stub(channel, header);
            for (Runnable call :
                    List.<Runnable>of(
                            () -> stub.modelInfer(infer("open")),
                            () -> stub.serverLive(ServerLiveRequest.getDefaultInstance()))) {
                StatusRuntimeException e = failure(call);
                assertThat(e.getStatus().getCode())
                        .as(header)
                        .isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).doesNotContain(TOKEN.get("revoked"));
            }
        }
        // the same channel still serves good callers
        assertThat(as("use").modelInfer(infer("secret")).getOutputsCount()).isEqualTo(1);
    }
}
