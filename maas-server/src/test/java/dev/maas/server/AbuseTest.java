package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import dev.maas.ModelService;
import dev.maas.Visibility;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a hostile or broken client can do, over raw sockets: malformed JSON, wrong datatypes and
 * shapes, a 1 GB body (declared and streamed), slow-loris headers, 10,000 connections opened and
 * abandoned, path tricks. Each ends in a clear error or a closed connection, and after each the
 * server still answers (checked after every test).
 */
class AbuseTest {
    static final long MAX_BODY = 1 << 20;
    static final int MAX_CONNECTIONS = 128;
    static final String X =
            "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";

    @TempDir static Path tmp;
    static ModelService maas;
    static MaasServer server;

    @BeforeAll
    static void start() throws IOException {
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        Path dense = tmp.resolve("dense");
        Fixtures.writeDense(dense);
        maas.publish(
                ModelPackage.of(
                        Fixtures.denseCard("dense", Visibility.PUBLIC, null).build(), dense));
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.writeString(broken.resolve("broken.onnx"), "this is not an ONNX graph");
        ModelCard card = Fixtures.denseCard("broken", Visibility.PUBLIC, null).build();
        maas.publish(ModelPackage.of(card, broken));
        server =
                MaasServer.builder(maas)
                        .port(0)
                        .maxRequestBytes(MAX_BODY)
                        .headerTimeout(Duration.ofSeconds(1))
                        .idleTimeout(Duration.ofSeconds(3))
                        .maxConnections(MAX_CONNECTIONS)
                        .build()
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        maas.close();
    }

    @AfterEach
    void stillServing() {
        Http.Reply r = Http.post(server.uri(), "/v2/models/dense/infer", X, null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "truncated JSON|{\"inputs\":[|the request body is not well-formed JSON",
                "not an object|[1,2]|the request body must be a JSON object, was an array",
                "trailing garbage|{\"inputs\":[]} x|not well-formed JSON",
                "empty inputs|{\"inputs\":[]}|field 'inputs' is empty",
                "inputs not an array|{\"inputs\":{}}|field 'inputs' must be an array, was {}",
                "unknown"
                    + " datatype|{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP33\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}|unknown"
                    + " datatype 'FP33': expected one of BOOL",
                "wrong"
                    + " datatype|{\"inputs\":[{\"name\":\"x\",\"datatype\":\"INT32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}|input"
                    + " 'x' of model dense:1 has datatype INT32, expected FP32",
                "wrong"
                    + " shape|{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,5],\"data\":[1,2,3,4,5]}]}|input"
                    + " 'x' of model dense:1 has shape [1, 5], expected [-1, 4]",
                "data short of"
                    + " shape|{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,4],\"data\":[1,2,3,4]}]}|input"
                    + " 'x' has shape [2, 4] (8 elements) but its data holds 4",
                "huge shape|{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[4294967296,4294967296],\"data\":[1]}]}|too"
                    + " many elements",
                "negative"
                    + " dimension|{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,4],\"data\":[1,2,3,4]}]}|must"
                    + " hold non-negative integers",
                "wrong input"
                    + " name|{\"inputs\":[{\"name\":\"z\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}|missing"
                    + " input 'x' of model dense:1",
                "string for a"
                    + " number|{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,\"2\",3,4]}]}|element"
                    + " 1 is \"2\": expected a number",
                "binary size beyond"
                    + " body|{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"parameters\":{\"binary_data_size\":16}}]}|declares"
                    + " 16 bytes of binary data but only 0 follow",
                "bad timeout|{\"parameters\":{\"timeout\":-5},\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}|parameter"
                    + " 'timeout' must be a positive whole number",
            })
    void badRequests_are400WithWhatWasWrong(String what, String body, String message) {
        Http.Reply r = Http.post(server.uri(), "/v2/models/dense/infer", body, null);
        assertThat(r.status()).as(r.text()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.error()).contains(message);
    }

    @Test
    void badHeaderLength_is400() {
        Http.Reply r =
                Http.send(
                        server.uri(),
                        "POST",
                        "/v2/models/dense/infer",
                        X.getBytes(StandardCharsets.UTF_8),
                        null,
                        "Inference-Header-Content-Length",
                        "99999");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).contains("Inference-Header-Content-Length is '99999'");
    }

    @Test
    void deadline_is504() {
        String body =
                "{\"parameters\":{\"timeout\":1},\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";
        Http.Reply r = Http.post(server.uri(), "/v2/models/dense/infer", body, null);
        assertThat(r.status()).as(r.text()).isEqualTo(504);
    }

    @Test
    void brokenModel_is503AndNotReady() {
        Http.Reply r = Http.post(server.uri(), "/v2/models/broken/infer", X, null);
        assertThat(r.status()).as(r.text()).isEqualTo(503);
        assertThat(r.error()).contains("broken");
        Http.Reply ready = Http.get(server.uri(), "/v2/models/broken/ready", null);
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().get("ready").getAsBoolean()).isFalse();
        // The server itself stays ready: one broken model does not take the others down.
        assertThat(Http.get(server.uri(), "/v2/health/ready", null).status()).isEqualTo(200);
    }

    @Test
    void declaredGigabyteBody_is413BeforeItIsRead() throws IOException {
        try (Socket s = RawHttp.connect(server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /v2/models/dense/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    + "Content-Type: application/json\r\nContent-Length: "
                                    + (1L << 30)
                                    + "\r\n\r\n{\"inputs\":")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawHttp.Raw r = RawHttp.read(s.getInputStream());
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).contains("declares 1073741824 bytes").contains("1048576");
            assertThat(r.closed()).isTrue();
        }
    }

    @Test
    void streamedGigabyteBody_isCutOffAt413() throws Exception {
        AtomicLong sent = new AtomicLong();
        try (Socket s = RawHttp.connect(server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /v2/models/dense/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            byte[] size =
                    (Integer.toHexString(chunk.length) + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<Void> writer =
                    CompletableFuture.runAsync(
                            () -> {
                                try {
                                    while (sent.get() < (1L << 30)) {
                                        out.write(size);
                                        out.write(chunk);
                                        out.write('\r');
                                        out.write('\n');
                                        sent.addAndGet(chunk.length);
                                    }
                                } catch (IOException e) {
                                    // the server closed the connection: expected
                                }
                            });
            RawHttp.Raw r = RawHttp.read(s.getInputStream());
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).contains("is longer than the server accepts (1048576 bytes)");
            s.close();
            writer.get(60, TimeUnit.SECONDS);
        }
        // The server stopped reading soon after the limit: far less than the gigabyte went out.
        assertThat(sent.get()).isLessThan(64L << 20);
    }

    @Test
    void slowLoris_isClosedAndHoldsNoThread() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                Socket s = RawHttp.connect(server.port());
                s.getOutputStream()
                        .write(
                                "GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
            }
            // While they trickle, a normal call is served: reading headers holds no thread.
            assertThat(Http.get(server.uri(), "/v2/health/live", null).status()).isEqualTo(200);
            CompletableFuture<Void> trickle =
                    CompletableFuture.runAsync(
                            () -> {
                                for (int round = 0; round < 20; round++) {
                                    for (Socket s : slow) {
                                        try {
                                            s.getOutputStream().write('a');
                                        } catch (IOException e) {
                                            // closed by the server
                                        }
                                    }
                                    sleep(200);
                                }
                            });
            for (Socket s : slow) {
                assertThat(RawHttp.closedByServer(s)).isTrue();
            }
            trickle.get(60, TimeUnit.SECONDS);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void slowBodyAfterCompleteHeaders_isNotCutByTheHeaderTimeout() throws IOException {
        try (Socket s = RawHttp.connect(server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /v2/models/dense/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                                    + X.length()
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] body = X.getBytes(StandardCharsets.US_ASCII);
            int step = body.length / 6 + 1;
            for (int at = 0; at < body.length; at += step) {
                sleep(300); // 6 pauses: longer in all than the 1 s header timeout
                out.write(body, at, Math.min(step, body.length - at));
                out.flush();
            }
            RawHttp.Raw r = RawHttp.read(s.getInputStream());
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
    }

    @Test
    void tenThousandAbandonedConnections_leaveNothingBehind() throws Exception {
        long before = usedHeap();
        for (int round = 0; round < 400; round++) {
            List<Socket> batch = new ArrayList<>(25);
            for (int i = 0; i < 25; i++) {
                Socket s = RawHttp.connect(server.port());
                if (i % 2 == 0) {
                    s.getOutputStream()
                            .write(
                                    "POST /v2/models/dense/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"in"
                                            .getBytes(StandardCharsets.US_ASCII));
                }
                batch.add(s);
            }
            for (Socket s : batch) {
                s.setSoLinger(true, 0); // abandon: reset, no goodbye
                s.close();
            }
        }
        // The server lets go of every one of them.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (server.openConnections() > 2 && System.nanoTime() < deadline) {
            sleep(50);
        }
        assertThat(server.openConnections()).isLessThanOrEqualTo(2);
        long after = usedHeap();
        assertThat(after - before).as("heap growth in bytes").isLessThan(64L << 20);
    }

    @Test
    void connectionsBeyondTheLimit_wait() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS + 40; i++) {
                idle.add(RawHttp.connect(server.port())); // the extra ones wait in the backlog
            }
            for (int i = 0; i < 10; i++) {
                assertThat(server.openConnections()).isLessThanOrEqualTo(MAX_CONNECTIONS);
                sleep(20);
            }
            // The header timeout frees the slots of connections that send nothing, so a real
            // client gets in.
            assertThat(Http.get(server.uri(), "/v2/health/live", null).status()).isEqualTo(200);
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/v2/models/..%2F..%2Fetc/ready|400",
                "/v2/models/dense%2Fversions%2F1/ready|400",
                "/v2/models/%2e%2e/ready|400",
                "/v2/models/../../etc/passwd|400",
                "/v2/models/%00/ready|400",
                "/v2/models/dense%5c..%5c/ready|400",
                "/v2/models/%zz/ready|400",
                "/v2/models/Dense;x=1/ready|400",
                "/v2/models/dense/versions/-1/ready|400",
                "/v2/models/dense/versions/..%2F1/ready|400",
                "/v2/models/dense/../../../health/live|400",
                "/etc/passwd|404",
                "/v2/models/dense/ready/extra|404",
            })
    void pathTricks_areRefused(String path, int status) throws IOException {
        RawHttp.Raw r =
                RawHttp.exchange(
                        server.port(),
                        "GET "
                                + path
                                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).as(r.head() + r.body()).isEqualTo(status);
        assertThat(r.body()).contains("\"error\"");
    }

    @Test
    void oversizedHeaderAndUri_areRefused() throws IOException {
        String big = "a".repeat(32 * 1024);
        RawHttp.Raw header =
                RawHttp.exchange(
                        server.port(),
                        "GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                                + big
                                + "\r\n\r\n");
        assertThat(header.status()).isEqualTo(431);
        RawHttp.Raw uri =
                RawHttp.exchange(
                        server.port(),
                        "GET /v2/models/" + big + "/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(uri.status()).isIn(414, 431);
    }

    @Test
    void wrongMethodAndUnknownRoute() {
        Http.Reply r = Http.send(server.uri(), "DELETE", "/v2/models/dense", null, null);
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET");
        Http.Reply none = Http.get(server.uri(), "/v3", null);
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.error()).isEqualTo("no route GET /v3");
    }

    @Test
    void garbageBytes_closeTheConnection() throws IOException {
        try (Socket s = RawHttp.connect(server.port())) {
            byte[] junk = new byte[4096];
            new java.util.Random(9).nextBytes(junk);
            s.getOutputStream().write(junk);
            InputStream in = s.getInputStream();
            RawHttp.Raw r = RawHttp.read(in);
            assertThat(r.status()).isIn(-1, 400);
            assertThat(RawHttp.closedByServer(s)).isTrue();
        }
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
