package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.maas.InvalidInputException;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.Visibility;
import dev.maas.client.Datatype;
import dev.maas.client.InferRequest;
import dev.maas.client.InferResponse;
import dev.maas.client.MaasClient;
import dev.maas.client.ModelMetadata;
import dev.maas.client.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every Open Inference Protocol v2 REST route over a real socket on 127.0.0.1, on ONNX models
 * served from the repository: a dense layer and a graph passing one tensor of each datatype ONNX
 * Runtime holds. Results are compared with the in-process endpoint's byte for byte, with tensors as
 * JSON and as binary data.
 */
class RestConformanceTest {
    @TempDir static Path tmp;
    static ModelService maas;
    static MaasServer server;
    static MaasClient client;
    static NDManager manager;

    @BeforeAll
    static void start() {
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        Path dense = tmp.resolve("dense");
        Fixtures.writeDense(dense);
        maas.publish(
                ModelPackage.of(
                        Fixtures.denseCard("dense", Visibility.PUBLIC, null).build(), dense));
        maas.publish(
                ModelPackage.of(
                        Fixtures.denseCard("dense", Visibility.PUBLIC, null).build(), dense));
        maas.setAlias("dense", "production", 1);
        Fixtures.publishTypes(maas, tmp.resolve("types"), "types");
        server = MaasServer.builder(maas).port(0).build().start();
        client = MaasClient.builder(server.uri()).build();
        manager = NDManager.newBaseManager("OnnxRuntime");
    }

    @AfterAll
    static void stop() {
        manager.close();
        server.close();
        maas.close();
    }

    @Test
    void health_liveAndReady() {
        Http.Reply live = Http.get(server.uri(), "/v2/health/live", null);
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.json().get("live").getAsBoolean()).isTrue();
        Http.Reply ready = Http.get(server.uri(), "/v2/health/ready", null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(client.live()).isTrue();
        assertThat(client.ready()).isTrue();
    }

    @Test
    void serverMetadata_namesTheBinaryExtension() {
        Http.Reply r = Http.get(server.uri(), "/v2", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().get("name").getAsString()).isEqualTo("maas");
        assertThat(client.serverMetadata().extensions()).contains("binary_tensor_data");
    }

    @Test
    void modelMetadata_listsVersionsAndTheSignature() {
        JsonObject o = Http.get(server.uri(), "/v2/models/dense", null).json();
        assertThat(o.get("name").getAsString()).isEqualTo("dense");
        assertThat(o.getAsJsonArray("versions").toString()).isEqualTo("[\"1\",\"2\"]");
        assertThat(o.get("platform").getAsString()).isEqualTo("onnxruntime_onnx");
        JsonObject x = o.getAsJsonArray("inputs").get(0).getAsJsonObject();
        assertThat(x.get("name").getAsString()).isEqualTo("x");
        assertThat(x.get("datatype").getAsString()).isEqualTo("FP32");
        assertThat(x.getAsJsonArray("shape").toString()).isEqualTo("[-1,4]");

        ModelMetadata m = client.modelMetadata("types");
        assertThat(m.inputs()).hasSize(Fixtures.TYPES.size());
        for (int i = 0; i < Fixtures.TYPES.size(); i++) {
            assertThat(m.inputs().get(i).datatype().name())
                    .isEqualTo(Fixtures.TYPES.get(i).type().name());
            assertThat(m.outputs().get(i).name()).isEqualTo(Fixtures.TYPES.get(i).output());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "production"})
    void modelMetadata_ofAVersionOrAlias(String version) {
        Http.Reply r = Http.get(server.uri(), "/v2/models/dense/versions/" + version, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().getAsJsonArray("versions").toString()).isEqualTo("[\"1\"]");
        assertThat(client.modelMetadata("dense", version).versions()).containsExactly("1");
    }

    @Test
    void modelReady_forModelVersionAndAlias() {
        assertThat(Http.get(server.uri(), "/v2/models/dense/ready", null).status()).isEqualTo(200);
        assertThat(Http.get(server.uri(), "/v2/models/dense/versions/2/ready", null).status())
                .isEqualTo(200);
        assertThat(client.modelReady("dense", "production")).isTrue();
        Http.Reply missing = Http.get(server.uri(), "/v2/models/dense/versions/9/ready", null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.error()).contains("9");
    }

    @Test
    void infer_denseJsonEqualsInProcess() {
        float[] x = new float[5 * Fixtures.IN];
        Random random = new Random(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        String body =
                "{\"id\":\"r1\",\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[5,4],\"data\":"
                        + floatsJson(x)
                        + "}]}";
        Http.Reply r = Http.post(server.uri(), "/v2/models/dense/infer", body, null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        JsonObject o = r.json();
        assertThat(o.get("model_name").getAsString()).isEqualTo("dense");
        assertThat(o.get("model_version").getAsString()).isEqualTo("2");
        assertThat(o.get("id").getAsString()).isEqualTo("r1");
        JsonObject y = o.getAsJsonArray("outputs").get(0).getAsJsonObject();
        assertThat(y.get("name").getAsString()).isEqualTo("y");
        assertThat(y.get("datatype").getAsString()).isEqualTo("FP32");
        assertThat(y.getAsJsonArray("shape").toString()).isEqualTo("[5,3]");
        float[] got = new float[15];
        JsonArray data = y.getAsJsonArray("data");
        for (int i = 0; i < got.length; i++) {
            got[i] = Float.parseFloat(data.get(i).getAsString());
        }
        byte[] expected =
                inProcess("dense", List.of(Tensor.ofFloats("x", new long[] {5, 4}, x))).get(0);
        assertThat(bytesOf(got)).isEqualTo(expected);
    }

    @Test
    void infer_everyDatatypeJsonAndBinaryEqualsInProcess() {
        Random random = new Random(11);
        InferRequest.Builder json = InferRequest.builder("types").id("all");
        InferRequest.Builder binary = InferRequest.builder("types").binary(true);
        List<Tensor> inputs = new ArrayList<>();
        for (Fixtures.TypeCase t : Fixtures.TYPES) {
            InferTensor it = RandomTensors.of(t.input(), t.type(), 3, 2, random);
            Tensor tensor =
                    Tensor.ofRaw(
                            it.name(), Datatype.valueOf(t.type().name()), it.shape(), it.raw());
            inputs.add(tensor);
            json.input(tensor);
            binary.input(tensor);
        }
        List<byte[]> expected = inProcess("types", inputs);

        for (InferRequest request : List.of(json.build(), binary.build())) {
            InferResponse r = client.infer(request);
            assertThat(r.outputs()).hasSize(Fixtures.TYPES.size());
            for (int i = 0; i < Fixtures.TYPES.size(); i++) {
                Tensor out = r.outputs().get(i);
                assertThat(out.name()).isEqualTo(Fixtures.TYPES.get(i).output());
                assertThat(out.datatype()).isEqualTo(inputs.get(i).datatype());
                assertThat(out.shape()).containsExactly(3, 2);
                assertThat(out.raw()).as(out.toString()).isEqualTo(expected.get(i));
                // Identity: what went in comes back, -0.0, infinities and extremes included.
                assertThat(out.raw()).isEqualTo(inputs.get(i).raw());
            }
        }
    }

    @Test
    void infer_byAliasAndVersion() {
        Tensor x = Tensor.ofFloats("x", new long[] {1, 4}, 1f, -2f, 3f, 0.5f);
        InferResponse viaAlias =
                client.infer(InferRequest.builder("dense").version("production").input(x).build());
        assertThat(viaAlias.version()).isEqualTo("1");
        InferResponse viaVersion =
                client.infer(InferRequest.builder("dense").version("2").input(x).build());
        assertThat(viaVersion.version()).isEqualTo("2");
        assertThat(viaAlias.outputs().get(0).raw()).isEqualTo(viaVersion.outputs().get(0).raw());
        Http.Reply r =
                Http.post(
                        server.uri(),
                        "/v2/models/dense/versions/production/infer",
                        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[[1,-2,3,0.5]]}]}",
                        null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().get("model_version").getAsString()).isEqualTo("1");
    }

    @Test
    void infer_binaryExtensionOnTheWire() {
        float[] x = {0.25f, -1f, 2f, 8f, 1f, 1f, 1f, 1f};
        byte[] raw = bytesOf(x);
        String header =
                "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,4],"
                        + "\"parameters\":{\"binary_data_size\":"
                        + raw.length
                        + "}}],\"outputs\":[{\"name\":\"y\",\"parameters\":{\"binary_data\":true}}]}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(json);
        body.writeBytes(raw);
        Http.Reply r =
                Http.send(
                        server.uri(),
                        "POST",
                        "/v2/models/dense/infer",
                        body.toByteArray(),
                        null,
                        "Inference-Header-Content-Length",
                        Integer.toString(json.length),
                        "Content-Type",
                        "application/octet-stream");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        int jsonLength =
                Integer.parseInt(
                        r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonObject o =
                com.google.gson.JsonParser.parseString(
                                new String(r.body(), 0, jsonLength, StandardCharsets.UTF_8))
                        .getAsJsonObject();
        JsonObject y = o.getAsJsonArray("outputs").get(0).getAsJsonObject();
        assertThat(y.has("data")).isFalse();
        int size = y.getAsJsonObject("parameters").get("binary_data_size").getAsInt();
        assertThat(size).isEqualTo(2 * 3 * 4);
        assertThat(r.body().length).isEqualTo(jsonLength + size);
        byte[] got = java.util.Arrays.copyOfRange(r.body(), jsonLength, jsonLength + size);
        assertThat(got)
                .isEqualTo(
                        inProcess("dense", List.of(Tensor.ofFloats("x", new long[] {2, 4}, x)))
                                .get(0));
    }

    @Test
    void infer_requestedOutputsOnly() {
        InferRequest.Builder b = InferRequest.builder("types");
        Random random = new Random(5);
        for (Fixtures.TypeCase t : Fixtures.TYPES) {
            InferTensor it = RandomTensors.of(t.input(), t.type(), 1, 2, random);
            b.input(
                    Tensor.ofRaw(
                            it.name(), Datatype.valueOf(t.type().name()), it.shape(), it.raw()));
        }
        InferResponse r = client.infer(b.output("y_int64").output("y_bool").build());
        assertThat(r.outputs()).extracting(Tensor::name).containsExactly("y_int64", "y_bool");
        assertThatThrownBy(() -> client.infer(b.output("nope").build()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("requested output 'nope' does not exist");
    }

    @Test
    void infer_bytesInputIsRefusedClearly() {
        assertThatThrownBy(
                        () ->
                                client.infer(
                                        "dense",
                                        Tensor.ofStrings(
                                                "x", new long[] {1, 4}, "a", "b", "c", "d")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(
                        "input 'x' of model dense:2 has datatype BYTES, expected FP32");
        assertThat(client.live()).isTrue();
    }

    /** Runs the model in-process and returns each output's little-endian bytes. */
    static List<byte[]> inProcess(String model, List<Tensor> inputs) {
        try (NDManager call = manager.newSubManager()) {
            NDList in = new NDList();
            for (Tensor t : inputs) {
                ByteBuffer data =
                        ByteBuffer.allocateDirect(t.raw().length).order(ByteOrder.LITTLE_ENDIAN);
                data.put(t.raw()).flip();
                NDArray a =
                        call.create(
                                data,
                                new Shape(t.shape()),
                                OipDatatype.valueOf(t.datatype().name()).djl());
                a.setName(t.name());
                in.add(a);
            }
            NDList out = maas.endpoint(model).predict(in);
            List<byte[]> bytes = new ArrayList<>();
            for (NDArray a : out) {
                ByteBuffer b = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                byte[] raw = new byte[b.remaining()];
                b.get(raw);
                bytes.add(raw);
            }
            return bytes;
        }
    }

    static byte[] bytesOf(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static String floatsJson(float[] values) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : ",").append(values[i]);
        }
        return s.append(']').toString();
    }
}
