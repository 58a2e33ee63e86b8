package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.maas.ModelService;
import inference.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import inference.InferTensorContents;
import inference.ModelInferRequest;
import inference.ServerLiveRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input and hostile clients on the gRPC port: each malformed request gets {@code
 * INVALID_ARGUMENT} saying what was wrong and what was expected, an oversized message {@code
 * RESOURCE_EXHAUSTED}, garbage and abandoned connections are closed; after each, the server still
 * serves.
 */
class GrpcAbuseTest {
    private static final int MAX_BYTES = 1 << 20;

    @TempDir static Path tmp;

    private static ModelService maas;
    private static GrpcTestServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceBlockingStub stub;

    @BeforeAll
    static void start() {
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        GrpcFixtures.publish(maas, tmp);
        server = new GrpcTestServer(maas, null, MAX_BYTES);
        channel = server.channel();
        stub = GrpcTestServer.stub(channel, null);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        GrpcTestServer.shutdown(channel);
        server.close();
        maas.close();
    }

    /** After every abuse, a good call on a fresh connection still gets the right answer. */
    @AfterEach
    void stillServing() throws InterruptedException {
        ManagedChannel fresh = server.channel();
        try {
            assertThat(
                            GrpcTestServer.stub(fresh, null)
                                    .modelInfer(good().build())
                                    .getOutputs(0)
                                    .getContents()
                                    .getFp32ContentsCount())
                    .isEqualTo(GrpcFixtures.OUT);
        } finally {
            GrpcTestServer.shutdown(fresh);
        }
    }

    private static ModelInferRequest.Builder good() {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (int i = 0; i < GrpcFixtures.IN; i++) {
            c.addFp32Contents(i);
        }
        return ModelInferRequest.newBuilder()
                .setModelName("dense")
                .addInputs(
                        GrpcConformanceTest.input("x", "FP32", 1, GrpcFixtures.IN).setContents(c));
    }

    private static void assertInvalid(
            UnaryOperator<ModelInferRequest.Builder> change, String... parts) {
        StatusRuntimeException e =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () -> stub.modelInfer(change.apply(good()).build()));
        assertThat(e).as("the call fails").isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).contains(parts);
    }

    @Test
    void wrongDatatype_namesTheExpectedOne() {
        assertInvalid(
                r -> {
                    r.getInputsBuilder(0).setDatatype("FP64").getContentsBuilder().clear();
                    for (int i = 0; i < GrpcFixtures.IN; i++) {
                        r.getInputsBuilder(0).getContentsBuilder().addFp64Contents(i);
                    }
                    return r;
                },
                "input 'x'",
                "has datatype FP64, expected FP32");
        assertInvalid(
                r -> {
                    r.getInputsBuilder(0).setDatatype("FLOAT");
                    return r;
                },
                "unknown datatype 'FLOAT'",
                "expected one of BOOL");
    }

    @Test
    void wrongShape_givesTheSignature() {
        assertInvalid(
                r -> {
                    r.getInputsBuilder(0).clearShape().addShape(2).addShape(2);
                    return r;
                },
                "input 'x'",
                "has shape [2, 2], expected [-1, 4]");
        assertInvalid(
                r -> {
                    r.getInputsBuilder(0).clearShape().addShape(1).addShape(5);
                    return r;
                },
                "has 4 elements in fp32_contents; its shape needs 5");
        assertInvalid(
                r -> {
                    r.getInputsBuilder(0).clearShape().addShape(-1).addShape(4);
                    return r;
                },
                "negative dimension");
        assertInvalid(
                r -> {
                    r.getInputsBuilder(0)
                            .clearShape()
                            .addShape(1L << 40)
                            .addShape(1L << 40)
                            .addShape(1L << 40);
                    return r;
                },
                "tensor 'x'",
                "elements");
    }

    @Test
    void wrongContents_sayWhatWasExpected() {
        assertInvalid(
                r -> {
                    r.getInputsBuilder(0)
                            .getContentsBuilder()
                            .clearFp32Contents()
                            .addIntContents(1);
                    return r;
                },
                "carries its data in int_contents; expected fp32_contents");
        assertInvalid(
                r -> r.addRawInputContents(ByteString.copyFrom(new byte[16])),
                "input 'x' has typed contents although raw_input_contents is used");
        assertInvalid(
                r -> {
                    r.getInputsBuilder(0).clearContents();
                    return r.addRawInputContents(ByteString.copyFrom(new byte[15]));
                },
                "tensor 'x'",
                "but its data has 15 bytes");
        assertInvalid(
                r -> {
                    r.getInputsBuilder(0).clearContents();
                    r.addInputs(GrpcConformanceTest.input("z", "FP32", 1));
                    return r.addRawInputContents(ByteString.copyFrom(new byte[16]));
                },
                "raw_input_contents has 1 entries; expected one per input (2)");
    }

    @Test
    void missingExtraAndDuplicateInputs_areNamed() {
        assertInvalid(ModelInferRequest.Builder::clearInputs, "missing input 'x'");
        assertInvalid(
                r -> r.addInputs(r.getInputs(0).toBuilder().setName("w")),
                "has no input named [w]");
        assertInvalid(r -> r.addInputs(r.getInputs(0)), "input 'x' is given twice");
    }

    @Test
    void badModelReferences() {
        assertInvalid(r -> r.setModelName("../etc/passwd"), "model name");
        StatusRuntimeException e =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () -> stub.modelInfer(good().setModelVersion("9").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void oversizedMessage_isRefusedBeforeItIsBuffered() {
        byte[] big = new byte[2 * MAX_BYTES];
        StatusRuntimeException e =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub.modelInfer(
                                        ModelInferRequest.newBuilder()
                                                .setModelName("dense")
                                                .addInputs(
                                                        GrpcConformanceTest.input(
                                                                "x", "FP32", big.length / 16, 4))
                                                .addRawInputContents(ByteString.copyFrom(big))
                                                .build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getStatus().getDescription()).contains(Integer.toString(MAX_BYTES));
        // the same connection serves the next call
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    }

    @Test
    void garbageBytes_closeTheConnection() throws IOException {
        Random random = new Random(5);
        for (String what : List.of("random", "http1")) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                byte[] bytes;
                if (what.equals("random")) {
                    bytes = new byte[64 * 1024];
                    random.nextBytes(bytes);
                } else {
                    bytes =
                            "POST /inference.GRPCInferenceService/ModelInfer HTTP/1.1\r\nHost: x\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII);
                }
                try {
                    out.write(bytes);
                    out.flush();
                } catch (IOException e) {
                    // the server may close before everything is written: also a closed connection
                }
                assertThat(drainUntilClosed(s.getInputStream())).as(what).isTrue();
            }
        }
    }

    @Test
    void manyAbandonedConnections_areClosed_andCallsGoOnMeanwhile()
            throws IOException, InterruptedException {
        List<Socket> sockets = new ArrayList<>();
        byte[] partialPreface = "PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII);
        try {
            for (int i = 0; i < 2000; i++) {
                Socket s = new Socket();
                sockets.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
                if (i % 2 == 0) {
                    s.getOutputStream().write(partialPreface);
                }
            }
            // while they hang, others are served
            ManagedChannel fresh = server.channel();
            try {
                assertThat(
                                GrpcTestServer.stub(fresh, null)
                                        .serverLive(ServerLiveRequest.getDefaultInstance())
                                        .getLive())
                        .isTrue();
            } finally {
                GrpcTestServer.shutdown(fresh);
            }
            // the handshake timeout (2 s here) closes the silent and the half-spoken ones
            for (Socket s :
                    List.of(sockets.get(0), sockets.get(1), sockets.get(sockets.size() - 1))) {
                s.setSoTimeout(60_000);
                assertThat(drainUntilClosed(s.getInputStream())).isTrue();
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** Reads until the peer closes; false if it is still open after the socket's timeout. */
    private static boolean drainUntilClosed(InputStream in) throws IOException {
        byte[] buffer = new byte[8192];
        try {
            while (in.read(buffer) >= 0) {
                // the server may answer with a GOAWAY frame first
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }
}
